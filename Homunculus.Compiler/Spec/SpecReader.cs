using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Diagnostics;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Spec;

/// <summary>
/// Typed reads of .hspec JSON values that report every problem (HMC0002..HMC0005) at the value's line
/// and column. Shared by the .hspec parser and the model families, which read their own settings.
/// </summary>
public sealed class SpecReader
{
    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private readonly string[] _lines;

    public SpecReader(string path, string text, DiagnosticBag diagnostics)
    {
        _path = path;
        _diagnostics = diagnostics;
        _lines = text.Split('\n');
    }

    public DiagnosticBag Diagnostics => _diagnostics;

    public void CheckProperties(JObject obj, IReadOnlyCollection<string> allowed, string prefix)
    {
        foreach (var property in obj.Properties())
        {
            if (allowed.Contains(property.Name)) continue;
            string? suggestion = allowed.FirstOrDefault(a => string.Equals(a, property.Name, System.StringComparison.OrdinalIgnoreCase))
                ?? allowed.FirstOrDefault(a => EditDistance(a, property.Name) <= 2);
            _diagnostics.Report(DiagnosticCatalog.UnknownProperty, Loc(property), prefix + property.Name,
                suggestion is null ? $" (known: {string.Join(", ", allowed)})" : $"; did you mean '{suggestion}'?");
        }
    }

    public T? Required<T>(JObject obj, string name, string expected, string prefix = "") where T : JToken
    {
        var token = obj[name];
        if (token is null)
        {
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, Loc(obj), prefix + name);
            return null;
        }
        if (token is T typed) return typed;
        WrongType(token, prefix + name, expected);
        return null;
    }

    public string String(JToken token, string what)
    {
        if (token is JValue { Type: JTokenType.String } value) return (string)value!;
        WrongType(token, what, "a string");
        return "";
    }

    public string OneOf(JObject obj, string name, IReadOnlyList<string> allowed, string fallback)
    {
        if (obj[name] is not { } token) return fallback;
        string value = String(token, name);
        if (!allowed.Contains(value))
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), name, $"must be one of {string.Join(", ", allowed)}");
        return value;
    }

    public bool? Boolean(JObject obj, string name, string prefix)
    {
        if (obj[name] is not { } token) return null;
        if (token.Type == JTokenType.Boolean) return (bool)token;
        WrongType(token, prefix + name, "true or false");
        return null;
    }

    public int? Integer(JObject obj, string name, int min, int max, string prefix = "") =>
        obj[name] is { } token ? IntegerValue(token, prefix + name, min, max) : null;

    public int? IntegerValue(JToken token, string what, int min, int max)
    {
        if (token.Type != JTokenType.Integer)
        {
            WrongType(token, what, "an integer");
            return null;
        }
        // Newtonsoft reads integers beyond 64 bits as BigInteger: out of every range we accept.
        long value = ((JValue)token).Value is System.Numerics.BigInteger big ? (big.Sign < 0 ? long.MinValue : long.MaxValue) : (long)token;
        if (value < min || value > max)
        {
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), what, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}"));
            return null;
        }
        return (int)value;
    }

    public double? Number(JObject obj, string name, double min, double max, string prefix) =>
        obj[name] is { } token ? NumberValue(token, prefix + name, min, max) : null;

    public double? NumberValue(JToken token, string what, double min, double max)
    {
        if (token.Type is not (JTokenType.Integer or JTokenType.Float))
        {
            WrongType(token, what, "a number");
            return null;
        }
        double value = (double)token;
        if (value < min || value > max)
        {
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), what, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}"));
            return null;
        }
        return value;
    }

    public void WrongType(JToken token, string what, string expected) =>
        _diagnostics.Report(DiagnosticCatalog.WrongType, Loc(token), what, expected);

    public T Invalid<T>(JToken token, string what, string problem, T fallback)
    {
        _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), what, problem);
        return fallback;
    }

    /// <summary>Where a token starts. Newtonsoft records where it ends (scalars, property names) or its bracket (containers).</summary>
    public SourceLocation Loc(JToken token)
    {
        var info = (IJsonLineInfo)token;
        if (!info.HasLineInfo()) return new SourceLocation(_path);
        int line = info.LineNumber, column = info.LinePosition;
        if (line - 1 < _lines.Length && token is JValue or JProperty)
        {
            string text = _lines[line - 1];
            int end = Math.Min(column, text.Length) - 1;            // 0-based index of the token's last character
            if (token is JProperty) end--;                          // recorded one past the name's closing quote
            if (end >= 0 && end < text.Length && text[end] == '"')
            {
                int start = end - 1;
                while (start >= 0 && !(text[start] == '"' && (start == 0 || text[start - 1] != '\\'))) start--;
                if (start >= 0) column = start + 1;
            }
            else if (end >= 0 && end < text.Length)
            {
                int start = end;
                while (start > 0 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] is '.' or '-' or '+')) start--;
                column = start + 1;
            }
        }
        return new SourceLocation(_path, line, column);
    }

    internal static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
