using System.Collections.Generic;
using System.IO;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Diagnostics;

namespace Homunculus.Compiler.Data;

/// <summary>
/// The header of an ARFF file (Weka's attribute-relation format): attribute names up to <c>@DATA</c>.
/// The data section is comma-separated and read by Sep like CSV. Tolerates what real files hold:
/// <c>%</c> comments, any letter case, quoted names, and the stray trailing commas of header lines that a
/// spreadsheet leaves (the ISCX VPN-nonVPN files). No maintained .NET ARFF reader exists, and the
/// format's header is a dozen lines of grammar, hence this.
/// </summary>
public sealed class ArffHeader
{
    private ArffHeader(List<string> attributes, int lines)
    {
        Attributes = attributes;
        Lines = lines;
    }

    public IReadOnlyList<string> Attributes { get; }

    /// <summary>Lines up to and including <c>@DATA</c>.</summary>
    public int Lines { get; }

    /// <summary>Reads up to and including the <c>@DATA</c> line; null when an error was reported.</summary>
    public static ArffHeader? Read(DataPath path, TextReader text, DiagnosticBag diagnostics)
    {
        var attributes = new List<string>();
        int lineNumber = 0;
        string? line;
        while ((line = text.ReadLine()) is not null)
        {
            lineNumber++;
            string trimmed = line.Trim().TrimEnd(',').Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('%')) continue;
            if (trimmed.StartsWith("@relation", StringComparison.OrdinalIgnoreCase)) continue;
            if (trimmed.StartsWith("@data", StringComparison.OrdinalIgnoreCase))
            {
                if (attributes.Count == 0) break;
                return new ArffHeader(attributes, lineNumber);
            }
            if (trimmed.StartsWith("@attribute", StringComparison.OrdinalIgnoreCase))
            {
                string rest = trimmed.Substring("@attribute".Length).Trim();
                string? name = TakeName(ref rest);
                if (name is null || rest.Length == 0)
                {
                    diagnostics.Report(DiagnosticCatalog.ArffSyntax, new SourceLocation(path.FullPath, lineNumber, 1), "an @ATTRIBUTE line needs a name and a type");
                    return null;
                }
                if (rest.StartsWith("relational", StringComparison.OrdinalIgnoreCase))
                {
                    diagnostics.Report(DiagnosticCatalog.ArffSyntax, new SourceLocation(path.FullPath, lineNumber, 1), "relational attributes are not supported");
                    return null;
                }
                attributes.Add(name);
                continue;
            }
            diagnostics.Report(DiagnosticCatalog.ArffSyntax, new SourceLocation(path.FullPath, lineNumber, 1), $"expected @RELATION, @ATTRIBUTE or @DATA, found '{Shorten(trimmed)}'");
            return null;
        }
        diagnostics.Report(DiagnosticCatalog.ArffSyntax, new SourceLocation(path.FullPath, Math.Max(1, lineNumber), 1), "no @ATTRIBUTE lines before @DATA, or no @DATA line");
        return null;
    }

    /// <summary>ARFF values may be quoted with single quotes (double quotes are handled by the CSV reader).</summary>
    public static string Unquote(string value)
    {
        string v = value.Trim();
        return v.Length >= 2 && v[0] == '\'' && v[^1] == '\'' ? v.Substring(1, v.Length - 2).Replace("\\'", "'") : v;
    }

    private static string? TakeName(ref string rest)
    {
        if (rest.Length == 0) return null;
        char quote = rest[0];
        if (quote is '\'' or '"')
        {
            int end = rest.IndexOf(quote, 1);
            if (end < 0) return null;
            string quoted = rest.Substring(1, end - 1);
            rest = rest.Substring(end + 1).Trim();
            return quoted;
        }
        int space = rest.IndexOfAny([' ', '\t']);
        if (space < 0) return null;
        string name = rest.Substring(0, space);
        rest = rest.Substring(space).Trim();
        return name;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text.Substring(0, 40) + "...";
}
