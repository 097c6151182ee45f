using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Homunculus.Model.Naming
{
    /// <summary>
    /// Deterministic mapping of user text (names from the .hspec and the data) to identifiers of each
    /// generated language. Words are runs of ASCII letters and digits; everything else separates words.
    /// The same text always gives the same identifier; different texts may collide, which the compiler
    /// rejects before any code is generated.
    /// </summary>
    public static class Identifiers
    {
        private static readonly HashSet<string> CSharpKeywords = new HashSet<string>(StringComparer.Ordinal)
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
            "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
            "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
            "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
            "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
            "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
            "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        };

        public static IReadOnlyList<string> Words(string text)
        {
            var words = new List<string>();
            var current = new StringBuilder();
            char previous = '\0';
            foreach (char c in text)
            {
                bool letterOrDigit = c < 128 && char.IsLetterOrDigit(c);
                // A lower-to-upper step starts a new word too, so "srcBytes" and "src_bytes" agree.
                bool camelBreak = letterOrDigit && char.IsUpper(c) && previous < 128 && char.IsLower(previous);
                if (!letterOrDigit || camelBreak)
                {
                    if (current.Length > 0) words.Add(current.ToString());
                    current.Clear();
                }
                if (letterOrDigit) current.Append(c);
                previous = c;
            }
            if (current.Length > 0) words.Add(current.ToString());
            return words;
        }

        /// <summary>PascalCase C# identifier; empty text becomes "_"; a leading digit gets a "_" prefix.</summary>
        public static string CSharp(string text)
        {
            var sb = new StringBuilder();
            foreach (var word in Words(text))
            {
                sb.Append(char.ToUpperInvariant(word[0]));
                sb.Append(word.Substring(1).ToLowerInvariant());
            }
            return Finish(sb.ToString(), CSharpKeywords);
        }

        /// <summary>snake_case identifier for P4 and Spatial (lower case; prefixes keep it off keywords).</summary>
        public static string Snake(string text)
        {
            var parts = new List<string>();
            foreach (var word in Words(text)) parts.Add(word.ToLowerInvariant());
            return Finish(string.Join("_", parts), null);
        }

        private static string Finish(string identifier, HashSet<string>? keywords)
        {
            if (identifier.Length == 0) return "_";
            if (char.IsDigit(identifier[0])) identifier = "_" + identifier;
            if (keywords != null && keywords.Contains(identifier)) identifier = "@" + identifier;
            return identifier;
        }
    }

    /// <summary>Escaping of user text placed inside generated string literals and comments.</summary>
    public static class Escaping
    {
        /// <summary>Text safe inside a one-line comment of C#, P4 or Scala: printable ASCII, no comment terminators.</summary>
        public static string Comment(string text)
        {
            var sb = new StringBuilder();
            foreach (char c in text)
            {
                // Not "\\uXXXX": Scala translates unicode escapes even inside comments.
                if (c >= 0x20 && c < 0x7F) sb.Append(c);
                else sb.Append("U+").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            // "*/" would end a block comment; a backslash could start a unicode escape (Scala) or continue a
            // line comment (the C preprocessor that P4 uses), so it is spelt out like other code points.
            return sb.ToString().Replace("\\", "U+005C").Replace("*/", "* /").Replace("/*", "/ *");
        }

        /// <summary>A C# regular string literal (quotes included) holding exactly <paramref name="text"/>.</summary>
        public static string CSharpString(string text)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    default:
                        if (c >= 0x20 && c < 0x7F) sb.Append(c);
                        else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
