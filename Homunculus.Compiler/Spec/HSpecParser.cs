using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Spec;

/// <summary>
/// Reads a .hspec (JSON with comments) into an <see cref="HSpec"/>, reporting every problem with the
/// .hspec path, line and column. Unknown properties are errors, so a typo never goes unnoticed.
/// </summary>
public sealed class HSpecParser
{
    public static readonly IReadOnlyList<string> Objectives = new[] { "accuracy", "f1", "macro-f1", "weighted-f1" };
    public static readonly IReadOnlyList<string> Targets = new[] { "bmv2", "taurus", "tofino" };

    private static readonly string[] TopLevel = { "$schema", "name", "data", "features", "objective", "algorithms", "model", "platform", "seed" };
    private static readonly string[] DataProperties = { "train", "test", "hasHeader", "columns", "delimiter", "label", "classes", "holdout" };
    private static readonly string[] FeatureProperties = { "name", "type" };
    private static readonly string[] ModelProperties = { "dnn" };
    private static readonly string[] DnnProperties = { "hidden", "epochs", "learningRate", "batchSize" };
    private static readonly string[] PlatformProperties = { "target", "resources", "throughputGpps", "latencyNs" };

    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private string[] _lines = [];

    private HSpecParser(string path, DiagnosticBag diagnostics)
    {
        _path = path;
        _diagnostics = diagnostics;
    }

    /// <summary>Parses the file at <paramref name="path"/>; null when errors were reported.</summary>
    public static HSpec? Parse(string path, string text, DiagnosticBag diagnostics)
    {
        var parser = new HSpecParser(Path.GetFullPath(path), diagnostics);
        return parser.ParseText(text);
    }

    /// <summary>The parsed JSON with comments removed, for the content hash; null when not valid JSON.</summary>
    public static JObject? LoadJson(string text, out JsonReaderException? error)
    {
        error = null;
        try
        {
            return JObject.Parse(text, new JsonLoadSettings
            {
                CommentHandling = CommentHandling.Ignore,
                LineInfoHandling = LineInfoHandling.Load,
                DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
            });
        }
        catch (JsonReaderException e)
        {
            error = e;
            return null;
        }
    }

    private HSpec? ParseText(string text)
    {
        _lines = text.Split('\n');
        var root = LoadJson(text, out var error);
        if (root is null)
        {
            // Newtonsoft appends "Path '...', line x, position y." - the location is reported separately.
            string message = error!.Message;
            int cut = message.IndexOf(" Path '", System.StringComparison.Ordinal);
            if (cut < 0) cut = message.IndexOf(", line ", System.StringComparison.Ordinal);
            if (cut > 0) message = message.Substring(0, cut).TrimEnd('.', ',');
            _diagnostics.Report(DiagnosticCatalog.JsonSyntax, new SourceLocation(_path, error.LineNumber, error.LinePosition), message);
            return null;
        }

        CheckProperties(root, TopLevel, "");
        var nameToken = Required<JValue>(root, "name", "a string");
        var dataToken = Required<JObject>(root, "data", "an object");
        var featuresToken = Required<JArray>(root, "features", "an array");
        var platformToken = Required<JObject>(root, "platform", "an object");

        string name = nameToken is null ? "" : String(nameToken, "name");
        if (nameToken is not null && name.Trim().Length == 0)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(nameToken), "name", "must not be empty");

        var data = dataToken is null ? null : ParseData(dataToken);
        var features = featuresToken is null ? new List<FeatureSpec>() : ParseFeatures(featuresToken);
        string objective = OneOf(root, "objective", Objectives, "weighted-f1");
        var algorithms = ParseAlgorithms(root);
        var dnn = ParseModel(root);
        var platform = platformToken is null ? null : ParsePlatform(platformToken);
        int seed = Integer(root, "seed", 0, int.MaxValue) ?? 42;

        if (_diagnostics.HasErrors || data is null || platform is null || nameToken is null) return null;
        return new HSpec
        {
            SpecPath = _path,
            Name = name,
            NameLocation = Loc(nameToken),
            Data = data,
            Features = features,
            Objective = objective,
            Algorithms = algorithms,
            Dnn = dnn,
            Platform = platform,
            Seed = seed,
        };
    }

    private DataSpec? ParseData(JObject data)
    {
        CheckProperties(data, DataProperties, "data.");
        var trainToken = Required<JToken>(data, "train", "a path or an array of paths", "data.");
        var train = new List<DataPath>();
        if (trainToken is JValue single) train.Add(ResolvePath(single, "data.train"));
        else if (trainToken is JArray many)
        {
            foreach (var item in many) train.Add(ResolvePath(item, "data.train"));
            if (many.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(many), "data.train", "must name at least one file");
        }
        else if (trainToken is not null) WrongType(trainToken, "data.train", "a path or an array of paths");

        DataPath? test = data["test"] is { } testToken ? ResolvePath(testToken, "data.test") : null;
        bool hasHeader = Boolean(data, "hasHeader", "data.") ?? true;

        List<string>? columns = null;
        var columnsToken = data["columns"];
        if (columnsToken is JArray columnArray)
        {
            columns = new List<string>();
            var seen = new HashSet<string>();
            foreach (var c in columnArray)
            {
                string column = String(c, "data.columns[]");
                if (!seen.Add(column)) _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(c), "data.columns", $"names '{column}' twice");
                columns.Add(column);
            }
        }
        else if (columnsToken is not null) WrongType(columnsToken, "data.columns", "an array of column names");
        if (!hasHeader && columns is null)
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, Loc(data), "data.columns (required when hasHeader is false)");

        char delimiter = ',';
        if (data["delimiter"] is { } delimiterToken)
        {
            string d = String(delimiterToken, "data.delimiter");
            if (d == "\\t") d = "\t";
            if (d.Length != 1 || d == "\"" || d == "\n" || d == "\r")
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(delimiterToken), "data.delimiter", "must be a single character other than a quote or line break");
            else delimiter = d[0];
        }

        var labelToken = Required<JValue>(data, "label", "a column name", "data.");
        string label = labelToken is null ? "" : String(labelToken, "data.label");

        List<ClassSpec>? classes = null;
        if (data["classes"] is JObject classObject) classes = ParseClasses(classObject);
        else if (data["classes"] is { } classToken) WrongType(classToken, "data.classes", "an object mapping class names to label values");

        double holdout = Number(data, "holdout", 0.01, 0.9, "data.") ?? 0.2;

        if (labelToken is null || trainToken is null) return null;
        return new DataSpec
        {
            Train = train,
            Test = test,
            HasHeader = hasHeader,
            Columns = columns,
            ColumnsLocation = columnsToken is null ? null : Loc(columnsToken),
            Delimiter = delimiter,
            Label = label,
            LabelLocation = Loc(labelToken),
            Classes = classes,
            Holdout = holdout,
        };
    }

    private List<ClassSpec> ParseClasses(JObject classObject)
    {
        var classes = new List<ClassSpec>();
        var claimed = new Dictionary<string, string>();
        bool sawStar = false;
        foreach (var property in classObject.Properties())
        {
            var location = Loc(property);
            if (property.Value is JValue { Type: JTokenType.String } star && (string?)star == "*")
            {
                if (sawStar) _diagnostics.Report(DiagnosticCatalog.InvalidValue, location, "data.classes", "may give \"*\" to one class only");
                sawStar = true;
                classes.Add(new ClassSpec(property.Name, new List<string>(), true, location));
                continue;
            }
            var labels = new List<string>();
            IEnumerable<JToken> values = property.Value is JArray array ? array : new[] { property.Value };
            foreach (var value in values)
            {
                string labelValue = String(value, $"data.classes.{property.Name}");
                if (claimed.TryGetValue(labelValue, out var other))
                    _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(value), "data.classes", $"maps label '{labelValue}' to both '{other}' and '{property.Name}'");
                claimed[labelValue] = property.Name;
                labels.Add(labelValue);
            }
            classes.Add(new ClassSpec(property.Name, labels, false, location));
        }
        if (classes.Count < 2)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(classObject), "data.classes", "must declare at least two classes");
        return classes;
    }

    private List<FeatureSpec> ParseFeatures(JArray array)
    {
        var features = new List<FeatureSpec>();
        var seen = new HashSet<string>();
        foreach (var item in array)
        {
            string name;
            FeatureKind? kind = null;
            if (item is JObject obj)
            {
                CheckProperties(obj, FeatureProperties, "features[].");
                var nameToken = Required<JValue>(obj, "name", "a column name", "features[].");
                if (nameToken is null) continue;
                name = String(nameToken, "features[].name");
                if (obj["type"] is { } typeToken)
                {
                    string type = String(typeToken, "features[].type");
                    kind = type switch
                    {
                        "integer" => FeatureKind.Integer,
                        "fractional" => FeatureKind.Fractional,
                        "categorical" => FeatureKind.Categorical,
                        _ => Invalid<FeatureKind?>(typeToken, "features[].type", "must be one of integer, fractional, categorical", null),
                    };
                }
            }
            else if (item is JValue { Type: JTokenType.String }) name = (string)item!;
            else
            {
                WrongType(item, "features[]", "a column name or {\"name\": ..., \"type\": ...}");
                continue;
            }
            if (!seen.Add(name)) _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(item), "features", $"lists '{name}' twice");
            features.Add(new FeatureSpec(name, kind, Loc(item)));
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(array), "features", "must list at least one feature");
        return features;
    }

    private List<string> ParseAlgorithms(JObject root)
    {
        var result = new List<string>();
        var token = root["algorithms"];
        if (token is null) return new List<string> { "dnn" };
        if (token is not JArray array)
        {
            WrongType(token, "algorithms", "an array of algorithm names");
            return result;
        }
        foreach (var item in array)
        {
            string algorithm = String(item, "algorithms[]");
            if (!Training.Algorithms.Names.Contains(algorithm))
                _diagnostics.Report(DiagnosticCatalog.UnsupportedAlgorithm, Loc(item), algorithm, string.Join(", ", Training.Algorithms.Names));
            else result.Add(algorithm);
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(array), "algorithms", "must list at least one algorithm");
        return result;
    }

    private DnnSpec ParseModel(JObject root)
    {
        var defaults = new DnnSpec();
        if (root["model"] is not { } modelToken) return defaults;
        if (modelToken is not JObject model)
        {
            WrongType(modelToken, "model", "an object");
            return defaults;
        }
        CheckProperties(model, ModelProperties, "model.");
        if (model["dnn"] is not { } dnnToken) return defaults;
        if (dnnToken is not JObject dnn)
        {
            WrongType(dnnToken, "model.dnn", "an object");
            return defaults;
        }
        CheckProperties(dnn, DnnProperties, "model.dnn.");
        var hidden = defaults.Hidden;
        if (dnn["hidden"] is { } hiddenToken)
        {
            if (hiddenToken is JArray hiddenArray && hiddenArray.Count is >= 1 and <= 10)
            {
                var sizes = new List<int>();
                foreach (var h in hiddenArray)
                {
                    int? size = IntegerValue(h, "model.dnn.hidden[]", 1, 64);
                    if (size is not null) sizes.Add(size.Value);
                }
                hidden = sizes;
            }
            else _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(hiddenToken), "model.dnn.hidden", "must be an array of 1 to 10 layer sizes");
        }
        return new DnnSpec
        {
            Hidden = hidden,
            Epochs = Integer(dnn, "epochs", 1, 10000, "model.dnn.") ?? defaults.Epochs,
            LearningRate = Number(dnn, "learningRate", 1e-6, 1.0, "model.dnn.") ?? defaults.LearningRate,
            BatchSize = Integer(dnn, "batchSize", 1, 65536, "model.dnn.") ?? defaults.BatchSize,
        };
    }

    private PlatformSpec? ParsePlatform(JObject platform)
    {
        CheckProperties(platform, PlatformProperties, "platform.");
        var targetToken = Required<JValue>(platform, "target", "one of " + string.Join(", ", Targets), "platform.");
        if (targetToken is null) return null;
        string target = String(targetToken, "platform.target");
        if (!Targets.Contains(target))
            _diagnostics.Report(DiagnosticCatalog.UnsupportedTarget, Loc(targetToken), target, string.Join(", ", Targets));
        var resources = new SortedDictionary<string, double>(System.StringComparer.Ordinal);
        if (platform["resources"] is JObject resourceObject)
        {
            var known = CostModels.CostModel.For(target)?.ResourceNames ?? new List<string>();
            foreach (var property in resourceObject.Properties())
            {
                if (!known.Contains(property.Name))
                {
                    if (Targets.Contains(target))
                        _diagnostics.Report(DiagnosticCatalog.UnknownProperty, Loc(property), $"platform.resources.{property.Name}", $" for target {target} (known: {string.Join(", ", known)})");
                    continue;
                }
                double? value = NumberValue(property.Value, $"platform.resources.{property.Name}", 0, double.MaxValue);
                if (value is not null) resources[property.Name] = value.Value;
            }
        }
        else if (platform["resources"] is { } other) WrongType(other, "platform.resources", "an object");
        return new PlatformSpec
        {
            Target = target,
            TargetLocation = Loc(targetToken),
            Resources = resources,
            ThroughputGpps = Number(platform, "throughputGpps", 1e-6, 1e6, "platform."),
            LatencyNs = Number(platform, "latencyNs", 1e-3, 1e12, "platform."),
        };
    }

    private DataPath ResolvePath(JToken token, string what)
    {
        string written = String(token, what);
        string baseDirectory = Path.GetDirectoryName(_path)!;
        string full = written.Length == 0 ? baseDirectory : Path.GetFullPath(Path.Combine(baseDirectory, written));
        return new DataPath(written, full, Loc(token));
    }

    private void CheckProperties(JObject obj, string[] allowed, string prefix)
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

    private T? Required<T>(JObject obj, string name, string expected, string prefix = "") where T : JToken
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

    private string String(JToken token, string what)
    {
        if (token is JValue { Type: JTokenType.String } value) return (string)value!;
        WrongType(token, what, "a string");
        return "";
    }

    private string OneOf(JObject obj, string name, IReadOnlyList<string> allowed, string fallback)
    {
        if (obj[name] is not { } token) return fallback;
        string value = String(token, name);
        if (!allowed.Contains(value))
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), name, $"must be one of {string.Join(", ", allowed)}");
        return value;
    }

    private bool? Boolean(JObject obj, string name, string prefix)
    {
        if (obj[name] is not { } token) return null;
        if (token.Type == JTokenType.Boolean) return (bool)token;
        WrongType(token, prefix + name, "true or false");
        return null;
    }

    private int? Integer(JObject obj, string name, int min, int max, string prefix = "") =>
        obj[name] is { } token ? IntegerValue(token, prefix + name, min, max) : null;

    private int? IntegerValue(JToken token, string what, int min, int max)
    {
        if (token.Type != JTokenType.Integer)
        {
            WrongType(token, what, "an integer");
            return null;
        }
        long value = (long)token;
        if (value < min || value > max)
        {
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), what, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}"));
            return null;
        }
        return (int)value;
    }

    private double? Number(JObject obj, string name, double min, double max, string prefix) =>
        obj[name] is { } token ? NumberValue(token, prefix + name, min, max) : null;

    private double? NumberValue(JToken token, string what, double min, double max)
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

    private void WrongType(JToken token, string what, string expected) =>
        _diagnostics.Report(DiagnosticCatalog.WrongType, Loc(token), what, expected);

    private T Invalid<T>(JToken token, string what, string problem, T fallback)
    {
        _diagnostics.Report(DiagnosticCatalog.InvalidValue, Loc(token), what, problem);
        return fallback;
    }

    /// <summary>Where a token starts. Newtonsoft records where it ends (scalars, property names) or its bracket (containers).</summary>
    private SourceLocation Loc(JToken token)
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

    private static int EditDistance(string a, string b)
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
