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
    private static readonly string[] DataProperties = { "train", "test", "hasHeader", "columns", "delimiter", "label", "classes", "holdout", "validation" };
    private static readonly string[] FeatureProperties = { "name", "type" };
    private static readonly string[] PlatformProperties = { "target", "resources", "throughputGpps", "latencyNs" };

    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private SpecReader _r = null!;

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
        _r = new SpecReader(_path, text, _diagnostics);
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

        _r.CheckProperties(root, TopLevel, "");
        var nameToken = _r.Required<JValue>(root, "name", "a string");
        var dataToken = _r.Required<JObject>(root, "data", "an object");
        var featuresToken = _r.Required<JArray>(root, "features", "an array");
        var platformToken = _r.Required<JObject>(root, "platform", "an object");

        string name = nameToken is null ? "" : _r.String(nameToken, "name");
        if (nameToken is not null && name.Trim().Length == 0)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(nameToken), "name", "must not be empty");

        var data = dataToken is null ? null : ParseData(dataToken);
        var features = featuresToken is null ? new List<FeatureSpec>() : ParseFeatures(featuresToken);
        string objective = _r.OneOf(root, "objective", Objectives, "weighted-f1");
        var algorithms = ParseAlgorithms(root);
        var settings = ParseModel(root, algorithms);
        var platform = platformToken is null ? null : ParsePlatform(platformToken);
        int seed = _r.Integer(root, "seed", 0, int.MaxValue) ?? 42;

        if (_diagnostics.HasErrors || data is null || platform is null || nameToken is null) return null;
        return new HSpec
        {
            SpecPath = _path,
            Name = name,
            NameLocation = _r.Loc(nameToken),
            Data = data,
            Features = features,
            Objective = objective,
            Algorithms = algorithms,
            Settings = settings,
            Platform = platform,
            Seed = seed,
        };
    }

    private DataSpec? ParseData(JObject data)
    {
        _r.CheckProperties(data, DataProperties, "data.");
        var trainToken = _r.Required<JToken>(data, "train", "a path or an array of paths", "data.");
        var train = new List<DataPath>();
        if (trainToken is JValue single) train.Add(ResolvePath(single, "data.train"));
        else if (trainToken is JArray many)
        {
            foreach (var item in many) train.Add(ResolvePath(item, "data.train"));
            if (many.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(many), "data.train", "must name at least one file");
        }
        else if (trainToken is not null) _r.WrongType(trainToken, "data.train", "a path or an array of paths");

        DataPath? test = data["test"] is { } testToken ? ResolvePath(testToken, "data.test") : null;
        bool hasHeader = _r.Boolean(data, "hasHeader", "data.") ?? true;

        List<string>? columns = null;
        var columnsToken = data["columns"];
        if (columnsToken is JArray columnArray)
        {
            columns = new List<string>();
            var seen = new HashSet<string>();
            foreach (var c in columnArray)
            {
                string column = _r.String(c, "data.columns[]");
                if (!seen.Add(column)) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(c), "data.columns", $"names '{column}' twice");
                columns.Add(column);
            }
        }
        else if (columnsToken is not null) _r.WrongType(columnsToken, "data.columns", "an array of column names");
        if (!hasHeader && columns is null)
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, _r.Loc(data), "data.columns (required when hasHeader is false)");

        char delimiter = ',';
        if (data["delimiter"] is { } delimiterToken)
        {
            string d = _r.String(delimiterToken, "data.delimiter");
            if (d == "\\t") d = "\t";
            if (d.Length != 1 || d == "\"" || d == "\n" || d == "\r")
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(delimiterToken), "data.delimiter", "must be a single character other than a quote or line break");
            else delimiter = d[0];
        }

        var labelToken = _r.Required<JValue>(data, "label", "a column name", "data.");
        string label = labelToken is null ? "" : _r.String(labelToken, "data.label");

        List<ClassSpec>? classes = null;
        if (data["classes"] is JObject classObject) classes = ParseClasses(classObject);
        else if (data["classes"] is { } classToken) _r.WrongType(classToken, "data.classes", "an object mapping class names to label values");

        double holdout = _r.Number(data, "holdout", 0.01, 0.9, "data.") ?? 0.2;
        double validation = _r.Number(data, "validation", 0.05, 0.5, "data.") ?? 0.2;

        if (labelToken is null || trainToken is null) return null;
        return new DataSpec
        {
            Train = train,
            Test = test,
            HasHeader = hasHeader,
            Columns = columns,
            ColumnsLocation = columnsToken is null ? null : _r.Loc(columnsToken),
            Delimiter = delimiter,
            Label = label,
            LabelLocation = _r.Loc(labelToken),
            Classes = classes,
            Holdout = holdout,
            Validation = validation,
        };
    }

    private List<ClassSpec> ParseClasses(JObject classObject)
    {
        var classes = new List<ClassSpec>();
        var claimed = new Dictionary<string, string>();
        bool sawStar = false;
        foreach (var property in classObject.Properties())
        {
            var location = _r.Loc(property);
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
                string labelValue = _r.String(value, $"data.classes.{property.Name}");
                if (claimed.TryGetValue(labelValue, out var other))
                    _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(value), "data.classes", $"maps label '{labelValue}' to both '{other}' and '{property.Name}'");
                claimed[labelValue] = property.Name;
                labels.Add(labelValue);
            }
            classes.Add(new ClassSpec(property.Name, labels, false, location));
        }
        if (classes.Count < 2)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(classObject), "data.classes", "must declare at least two classes");
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
                _r.CheckProperties(obj, FeatureProperties, "features[].");
                var nameToken = _r.Required<JValue>(obj, "name", "a column name", "features[].");
                if (nameToken is null) continue;
                name = _r.String(nameToken, "features[].name");
                if (obj["type"] is { } typeToken)
                {
                    string type = _r.String(typeToken, "features[].type");
                    kind = type switch
                    {
                        "integer" => FeatureKind.Integer,
                        "fractional" => FeatureKind.Fractional,
                        "categorical" => FeatureKind.Categorical,
                        _ => _r.Invalid<FeatureKind?>(typeToken, "features[].type", "must be one of integer, fractional, categorical", null),
                    };
                }
            }
            else if (item is JValue { Type: JTokenType.String }) name = (string)item!;
            else
            {
                _r.WrongType(item, "features[]", "a column name or {\"name\": ..., \"type\": ...}");
                continue;
            }
            if (!seen.Add(name)) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), "features", $"lists '{name}' twice");
            features.Add(new FeatureSpec(name, kind, _r.Loc(item)));
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), "features", "must list at least one feature");
        return features;
    }

    private List<string> ParseAlgorithms(JObject root)
    {
        var result = new List<string>();
        var token = root["algorithms"];
        if (token is null) return new List<string> { "dnn" };
        if (token is not JArray array)
        {
            _r.WrongType(token, "algorithms", "an array of algorithm names");
            return result;
        }
        foreach (var item in array)
        {
            string algorithm = _r.String(item, "algorithms[]");
            if (Training.ModelFamilies.Find(algorithm) is null)
                _diagnostics.Report(DiagnosticCatalog.UnsupportedAlgorithm, _r.Loc(item), algorithm, string.Join(", ", Training.ModelFamilies.Names));
            else if (result.Contains(algorithm))
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), "algorithms", $"lists '{algorithm}' twice");
            else result.Add(algorithm);
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), "algorithms", "must list at least one algorithm");
        return result;
    }

    /// <summary>"model": one object per family; each family reads its own settings.</summary>
    private Dictionary<string, object> ParseModel(JObject root, IReadOnlyList<string> algorithms)
    {
        var objects = new Dictionary<string, JObject>();
        if (root["model"] is { } modelToken)
        {
            if (modelToken is JObject model)
            {
                _r.CheckProperties(model, Training.ModelFamilies.Names.ToArray(), "model.");
                foreach (var property in model.Properties())
                {
                    if (property.Value is JObject settings) objects[property.Name] = settings;
                    else if (Training.ModelFamilies.Find(property.Name) is not null) _r.WrongType(property.Value, "model." + property.Name, "an object");
                }
            }
            else _r.WrongType(modelToken, "model", "an object");
        }
        var result = new Dictionary<string, object>();
        foreach (var family in Training.ModelFamilies.All)
        {
            bool used = algorithms.Contains(family.Name);
            if (!used && !objects.ContainsKey(family.Name)) continue;
            var settings = family.ReadSettings(objects.GetValueOrDefault(family.Name), _r);
            if (used) result[family.Name] = settings;
        }
        return result;
    }

    private PlatformSpec? ParsePlatform(JObject platform)
    {
        _r.CheckProperties(platform, PlatformProperties, "platform.");
        var targetToken = _r.Required<JValue>(platform, "target", "one of " + string.Join(", ", Targets), "platform.");
        if (targetToken is null) return null;
        string target = _r.String(targetToken, "platform.target");
        if (!Targets.Contains(target))
            _diagnostics.Report(DiagnosticCatalog.UnsupportedTarget, _r.Loc(targetToken), target, string.Join(", ", Targets));
        var resources = new SortedDictionary<string, double>(System.StringComparer.Ordinal);
        if (platform["resources"] is JObject resourceObject)
        {
            var known = CostModels.CostModel.For(target)?.ResourceNames ?? new List<string>();
            foreach (var property in resourceObject.Properties())
            {
                if (!known.Contains(property.Name))
                {
                    if (Targets.Contains(target))
                        _diagnostics.Report(DiagnosticCatalog.UnknownProperty, _r.Loc(property), $"platform.resources.{property.Name}", $" for target {target} (known: {string.Join(", ", known)})");
                    continue;
                }
                double? value = _r.NumberValue(property.Value, $"platform.resources.{property.Name}", 0, double.MaxValue);
                if (value is not null) resources[property.Name] = value.Value;
            }
        }
        else if (platform["resources"] is { } other) _r.WrongType(other, "platform.resources", "an object");
        return new PlatformSpec
        {
            Target = target,
            TargetLocation = _r.Loc(targetToken),
            Resources = resources,
            ThroughputGpps = _r.Number(platform, "throughputGpps", 1e-6, 1e6, "platform."),
            LatencyNs = _r.Number(platform, "latencyNs", 1e-3, 1e12, "platform."),
        };
    }

    private DataPath ResolvePath(JToken token, string what)
    {
        string written = _r.String(token, what);
        string baseDirectory = Path.GetDirectoryName(_path)!;
        string full = written.Length == 0 ? baseDirectory : Path.GetFullPath(Path.Combine(baseDirectory, written));
        return new DataPath(written, full, _r.Loc(token));
    }
}
