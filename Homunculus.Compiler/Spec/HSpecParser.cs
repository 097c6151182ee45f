using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Spec;

/// <summary>
/// Reads a .hspec (JSON with comments) into an <see cref="HSpec"/>, reporting every problem with the
/// .hspec path, line and column. Unknown properties are errors, so a typo never goes unnoticed.
/// </summary>
public sealed partial class HSpecParser
{
    public static readonly IReadOnlyList<string> Objectives = new[] { "accuracy", "f1", "macro-f1", "weighted-f1" };
    public static readonly IReadOnlyList<string> Targets = new[] { "bmv2", "taurus", "tofino" };

    private static readonly string[] TopLevel = { "$schema", "name", "data", "features", "objective", "algorithms", "model", "platform", "seed", "search", "flow", ActionSpecs.Property, ActionSpecs.CpuSessionProperty, ModelsProperty };
    private static readonly string[] FlowProperties = { "bidirectional", "tableSize", "timeoutSeconds", "classifyAt" };
    private static readonly string[] SearchProperties = { "trials", "initialTrials", "timeLimitSeconds", "parallel", "seed", "featureSelection", "strategy" };
    private static readonly string[] DataProperties = { "train", "test", "format", "hasHeader", "columns", "delimiter", "label", "classes", "positiveClass", "holdout", "validation", "missing" };
    private static readonly string[] FeatureProperties = { "name", "type", "bits", "scale", "min", "max", "missing", "field" };
    private static readonly string[] PcapDataProperties = { "format", "train", "test", "labelFromFolder", "filter", "ingressPort", "holdout", "holdoutBy", "validation", "validationBy", "classes", "positiveClass" };
    private static readonly string[] PcapSourceProperties = { "files", "label", "filter", "ingressPort" };
    private static readonly string[] FilterProperties = { "ethSrc", "ethSrcFile", "ipSrc", "ipSrcFile" };
    private const string IngressPortProperty = "ingressPort";
    private const int MaxIngressPort = 511;
    private static readonly string[] ObjectiveProperties = { "metric", "minimum", "belowMinimum" };
    private static readonly string[] MissingProperties = { "values", "policy", "fill" };
    private static readonly string[] PlatformProperties = { "target", "resources", "throughputGpps", "latencyNs" };

    private readonly string _path;
    private readonly DiagnosticBag _diagnostics;
    private SpecReader _r = null!;
    private MissingValues _dataMissing = MissingValues.Default;
    private bool _pcap;
    private FlowLocations? _flowLocations;
    /// <summary>Where pcap capture entries without an ingress port were written, and whether any entry has one.</summary>
    private readonly List<SourceLocation> _portlessCaptures = new();
    private bool _anyIngressPort;

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
        if (_pcap) CheckIngressPorts(features);
        var (objective, minimum, minimumIsError) = ParseObjective(root);
        var algorithms = ParseAlgorithms(root);
        var settings = ParseModel(root, algorithms);
        var platform = platformToken is null ? null : ParsePlatform(platformToken);
        int seed = _r.Integer(root, "seed", 0, int.MaxValue) ?? 42;
        var search = ParseSearch(root);
        var (flow, classifyAtChoices) = ParseFlow(root, features, search is not null);
        var actions = ActionSpecs.Parse(root, _r);
        var models = ParseModels(root, features, data?.Classes, algorithms, actions);

        if (_diagnostics.HasErrors || data is null || platform is null || nameToken is null) return null;
        return new HSpec
        {
            SpecPath = _path,
            Name = name,
            NameLocation = _r.Loc(nameToken),
            Data = data,
            Features = features,
            Objective = objective,
            Minimum = minimum,
            MinimumIsError = minimumIsError,
            ObjectiveLocation = root["objective"] is { } objectiveToken ? _r.Loc(objectiveToken) : _r.Loc(root),
            Algorithms = algorithms,
            Settings = settings,
            Platform = platform,
            Seed = seed,
            Search = search,
            Flow = flow,
            FlowLocations = _flowLocations,
            ClassifyAtChoices = classifyAtChoices,
            Actions = actions,
            ExplicitSettings = root["model"] is JObject written ? written.Properties().Select(p => p.Name).ToHashSet() : new HashSet<string>(),
            Models = models,
            ModelsLocation = root[ModelsProperty] is { } modelsToken ? _r.Loc(modelsToken) : null,
        };
    }

    /// <summary>"search": {"trials", "initialTrials", "timeLimitSeconds", "parallel", "seed", "featureSelection", "strategy"}; absent: no search.</summary>
    private SearchSpec? ParseSearch(JObject root)
    {
        if (root["search"] is not { } token) return null;
        if (token is not JObject obj)
        {
            _r.WrongType(token, "search", "an object");
            return null;
        }
        _r.CheckProperties(obj, SearchProperties, "search.");
        return new SearchSpec
        {
            Trials = _r.Integer(obj, "trials", 1, 100_000, "search.") ?? SearchSpec.DefaultTrials,
            InitialTrials = _r.Integer(obj, "initialTrials", 1, 100_000, "search."),
            TimeLimitSeconds = _r.Number(obj, "timeLimitSeconds", 1, 1e7, "search."),
            Parallel = _r.Integer(obj, "parallel", 1, 1024, "search."),
            Seed = _r.Integer(obj, "seed", 0, int.MaxValue, "search."),
            FeatureSelection = _r.Boolean(obj, "featureSelection", "search.") ?? true,
            Strategy = _r.OneOf(obj, "strategy", SearchSpec.Strategies, SearchSpec.BayesianStrategy),
            Location = _r.Loc(obj),
        };
    }

    /// <summary>"objective": a metric name, or {"metric": ..., "minimum": ..., "belowMinimum": "error" | "warning"}.</summary>
    private (string Metric, double? Minimum, bool MinimumIsError) ParseObjective(JObject root)
    {
        if (root["objective"] is JObject obj)
        {
            _r.CheckProperties(obj, ObjectiveProperties, "objective.");
            string metric = _r.OneOf(obj, "metric", Objectives, "weighted-f1");
            double? minimum = _r.Number(obj, "minimum", 0, 1, "objective.");
            bool isError = _r.OneOf(obj, "belowMinimum", new[] { "error", "warning" }, "error") == "error";
            return (metric, minimum, isError);
        }
        return (_r.OneOf(root, "objective", Objectives, "weighted-f1"), null, true);
    }

    private DataSpec? ParseData(JObject data)
    {
        if (data["format"] is JValue { Type: JTokenType.String } pcapFormat && (string?)pcapFormat == "pcap")
        {
            _pcap = true;
            return ParsePcapData(data);
        }
        _r.CheckProperties(data, DataProperties, "data.");
        var trainToken = _r.Required<JToken>(data, "train", "a path or an array of paths", "data.");
        var train = new List<DataPath>();
        IEnumerable<JToken> trainItems = trainToken is JArray many ? many : trainToken is JValue ? [trainToken] : [];
        foreach (var item in trainItems)
        {
            var path = ResolvePath(item, "data.train");
            if (DataFiles.IsGlob(path.Written))
            {
                var matches = DataFiles.Expand(path, out string folder);
                if (matches.Count == 0)
                    _diagnostics.Report(DiagnosticCatalog.GlobMatchesNothing, path.Location, path.Written, folder);
                train.AddRange(matches);
            }
            else train.Add(path);
        }
        if (trainToken is JArray { Count: 0 } empty) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(empty), "data.train", "must name at least one file");
        else if (trainToken is not null and not JArray and not JValue) _r.WrongType(trainToken, "data.train", "a path or an array of paths");
        DataFormat? format = null;
        if (data["format"] is { } formatToken)
        {
            format = _r.String(formatToken, "data.format") switch
            {
                "csv" => DataFormat.Csv,
                "arff" => DataFormat.Arff,
                _ => _r.Invalid<DataFormat?>(formatToken, "data.format", "must be \"csv\", \"arff\" or \"pcap\"", null),
            };
        }
        var missing = data["missing"] is { } missingToken ? ParseMissing(missingToken, "data.missing", MissingValues.Default) : MissingValues.Default;
        _dataMissing = missing;

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
        var positiveToken = data["positiveClass"];
        string? positive = positiveToken is null ? null : _r.String(positiveToken, "data.positiveClass");

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
            PositiveClass = positive,
            PositiveClassLocation = positiveToken is null ? null : _r.Loc(positiveToken),
            Format = format,
        };
    }

    private List<ClassSpec> ParseClasses(JObject classObject, string what = "data.classes")
    {
        var classes = new List<ClassSpec>();
        var claimed = new Dictionary<string, string>();
        bool sawStar = false;
        foreach (var property in classObject.Properties())
        {
            var location = _r.Loc(property);
            if (property.Value is JValue { Type: JTokenType.String } star && (string?)star == "*")
            {
                if (sawStar) _diagnostics.Report(DiagnosticCatalog.InvalidValue, location, what, "may give \"*\" to one class only");
                sawStar = true;
                classes.Add(new ClassSpec(property.Name, new List<string>(), true, location));
                continue;
            }
            var labels = new List<string>();
            IEnumerable<JToken> values = property.Value is JArray array ? array : new[] { property.Value };
            foreach (var value in values)
            {
                string labelValue = _r.String(value, $"{what}.{property.Name}");
                if (claimed.TryGetValue(labelValue, out var other))
                    _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(value), what, $"maps label '{labelValue}' to both '{other}' and '{property.Name}'");
                claimed[labelValue] = property.Name;
                labels.Add(labelValue);
            }
            classes.Add(new ClassSpec(property.Name, labels, false, location));
        }
        if (classes.Count < 2)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(classObject), what, "must declare at least two classes");
        return classes;
    }

    private List<FeatureSpec> ParseFeatures(JArray array)
    {
        var features = new List<FeatureSpec>();
        var seen = new HashSet<string>();
        foreach (var item in array)
        {
            FeatureSpec feature;
            if (item is JObject obj)
            {
                _r.CheckProperties(obj, FeatureProperties, "features[].");
                string? field = null;
                if (obj["field"] is { } fieldToken)
                {
                    field = _r.String(fieldToken, "features[].field");
                    CheckField(fieldToken, field);
                    if (!_pcap)
                        _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(fieldToken), "features[].field", "needs packet data (\"data\": {\"format\": \"pcap\", ...}); with CSV or ARFF data every feature is a column");
                    foreach (var other in new[] { "type", "bits", "scale", "min", "max", "missing" })
                        if (obj[other] is { } extra)
                            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(extra), "features[]." + other, "does not apply to a packet field (its value is the field's unsigned integer, see docs/packet-features.md)");
                }
                else if (_pcap)
                {
                    _diagnostics.Report(DiagnosticCatalog.MissingProperty, _r.Loc(obj), "features[].field (with packet data every feature reads a packet field)");
                    continue;
                }
                var nameToken = obj["name"] as JValue;
                if (obj["name"] is { } badName && nameToken is null) _r.WrongType(badName, "features[].name", "a string");
                if (nameToken is null && field is null)
                {
                    _r.Required<JValue>(obj, "name", "a column name", "features[].");
                    continue;
                }
                FeatureKind? kind = null;
                if (obj["type"] is { } typeToken)
                {
                    kind = _r.String(typeToken, "features[].type") switch
                    {
                        "integer" => FeatureKind.Integer,
                        "fractional" => FeatureKind.Fractional,
                        "categorical" => FeatureKind.Categorical,
                        _ => _r.Invalid<FeatureKind?>(typeToken, "features[].type", "must be one of integer, fractional, categorical", null),
                    };
                }
                feature = new FeatureSpec(nameToken is null ? field! : _r.String(nameToken, "features[].name"), kind, _r.Loc(item))
                {
                    Field = field,
                    Bits = _r.Integer(obj, "bits", 1, 32, "features[]."),
                    Scale = obj["scale"] is { } scaleToken ? Scale(scaleToken) : null,
                    Min = _r.Number(obj, "min", -1e15, 1e15, "features[]."),
                    Max = _r.Number(obj, "max", -1e15, 1e15, "features[]."),
                    Missing = obj["missing"] is { } missingToken ? ParseMissing(missingToken, "features[].missing", _dataMissing) : _dataMissing,
                };
                if (feature.Min is double min && feature.Max is double max && min >= max)
                    _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(obj["max"]!), "features[].max", "must be greater than min");
                if (kind == FeatureKind.Categorical && (feature.Bits ?? feature.Scale ?? (object?)feature.Min ?? feature.Max) is not null)
                    _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), "features[]", "a categorical feature takes no bits, scale, min or max (its codes are derived from its values)");
            }
            else if (item is JValue { Type: JTokenType.String } && _pcap)
            {
                // With packet data a plain string names a packet field.
                CheckField(item, (string)item!);
                feature = new FeatureSpec((string)item!, null, _r.Loc(item)) { Field = (string)item! };
            }
            else if (item is JValue { Type: JTokenType.String }) feature = new FeatureSpec((string)item!, null, _r.Loc(item)) { Missing = _dataMissing };
            else
            {
                _r.WrongType(item, "features[]", "a column name or {\"name\": ..., \"type\": ...}");
                continue;
            }
            if (!seen.Add(feature.Name)) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), "features", $"lists '{feature.Name}' twice");
            features.Add(feature);
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), "features", "must list at least one feature");
        return features;
    }

    private void CheckField(JToken token, string field)
    {
        if (Homunculus.Model.Packets.PacketFields.Find(field) is not null || FlowFields.Find(field) is not null) return;
        string? suggestion = FlowFields.IsFlowName(field) ? null : Homunculus.Model.Packets.PacketFields.Suggest(field);
        var known = FlowFields.IsFlowName(field) ? FlowFields.Names : Homunculus.Model.Packets.PacketFields.Names;
        _diagnostics.Report(DiagnosticCatalog.UnknownPacketField, _r.Loc(token), field,
            suggestion is null ? $" (known: {string.Join(", ", known)})" : $"; did you mean '{suggestion}'?");
    }

    /// <summary>
    /// "flow": {"bidirectional", "tableSize", "timeoutSeconds", "classifyAt"}: the flow table of a program with
    /// flow features or a classification point (docs/flow-features.md). Absent: defaults when a feature reads
    /// a flow field, else no flow state.
    /// </summary>
    private (FlowSettings?, IReadOnlyList<int>?) ParseFlow(JObject root, IReadOnlyList<FeatureSpec> features, bool searched)
    {
        bool readsFlows = features.Any(f => FlowFields.Find(f.Field) is not null);
        if (root["flow"] is not { } token) return (readsFlows ? new FlowSettings() : null, null);
        if (token is not JObject obj)
        {
            _r.WrongType(token, "flow", "an object");
            return (null, null);
        }
        _r.CheckProperties(obj, FlowProperties, "flow.");
        _flowLocations = new FlowLocations(_r.Loc(obj), obj["tableSize"] is { } sizeToken ? _r.Loc(sizeToken) : null, obj["timeoutSeconds"] is { } timeoutToken ? _r.Loc(timeoutToken) : null);
        if (!_pcap)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(obj), "flow", "needs packet data (\"data\": {\"format\": \"pcap\", ...}): flows are tracked over the packets of a capture");
        int tableSize = _r.Integer(obj, "tableSize", 1, 1 << 24, "flow.") ?? FlowSettings.DefaultTableSize;
        if ((tableSize & (tableSize - 1)) != 0)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(obj["tableSize"]!), "flow.tableSize", $"must be a power of two (the switch indexes the table with the low bits of a hash), e.g. {HighestPowerOfTwo(tableSize)}");
        double? timeout = _r.Number(obj, "timeoutSeconds", 0, 86400, "flow.");
        // A list of classification points is a dimension of the search (docs/flow-features.md).
        List<int>? choices = null;
        int? classifyAt = null;
        if (obj["classifyAt"] is JArray list)
        {
            choices = new List<int>();
            foreach (var item in list)
                if (_r.IntegerValue(item, "flow.classifyAt[]", 1, 1 << 16) is int n) choices.Add(n);
            if (list.Count == 0 || choices.Distinct().Count() != list.Count)
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(list), "flow.classifyAt", "must list distinct packet numbers (at least one)");
            else if (!searched && list.Count > 1)
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(list), "flow.classifyAt", "lists several classification points, which only a search chooses between: add a \"search\" block or give one number");
            choices.Sort();
            classifyAt = choices.Count > 0 ? choices[0] : 1;
            if (choices.Count < 2) choices = null;
        }
        else classifyAt = _r.Integer(obj, "classifyAt", 1, 1 << 16, "flow.");
        return (new FlowSettings
        {
            TableSize = tableSize,
            Bidirectional = _r.Boolean(obj, "bidirectional", "flow.") ?? false,
            TimeoutMicroseconds = timeout is double seconds ? (long)Math.Round(seconds * 1e6) : FlowSettings.DefaultTimeoutMicroseconds,
            ClassifyAt = classifyAt ?? 1,
        }, choices);
    }

    private static int HighestPowerOfTwo(int value)
    {
        int power = 1;
        while (power <= value / 2) power *= 2;
        return power;
    }

    /// <summary>
    /// "data" of a pcap program: "train" (and optional "test") is a path or glob, or an array of them or of
    /// {"files": path or glob, "label": ..., "filter": {...}, "ingressPort": n}; a file's label is its entry's
    /// "label", else (with "labelFromFolder": true) the name of its folder. "filter": {"ethSrc": MAC} or
    /// {"ethSrcFile": file name in the capture's folder holding the MAC}, and/or {"ipSrc": IPv4 or IPv6 address}
    /// or {"ipSrcFile": ...}, keeps only the packets sent by that address (both kinds given: by both).
    /// "ingressPort" (data level: the default of every entry) is the switch port the captured traffic arrives on.
    /// </summary>
    private DataSpec? ParsePcapData(JObject data)
    {
        _r.CheckProperties(data, PcapDataProperties, "data.");
        bool labelFromFolder = _r.Boolean(data, "labelFromFolder", "data.") ?? false;
        var filter = data["filter"] is { } filterToken ? ParseFilter(filterToken, "data.filter", CaptureFilter.None) : CaptureFilter.None;
        int? port = _r.Integer(data, IngressPortProperty, 0, MaxIngressPort, "data.");
        bool portWritten = data[IngressPortProperty] is not null;
        var trainToken = _r.Required<JToken>(data, "train", "a path, a glob or an array of them or of {\"files\", \"label\"}", "data.");
        var train = trainToken is null ? new List<PcapCapture>() : ParseCaptures(trainToken, "data.train", labelFromFolder, filter, port, portWritten);
        var test = data["test"] is { } testToken ? ParseCaptures(testToken, "data.test", labelFromFolder, filter, port, portWritten) : new List<PcapCapture>();

        List<ClassSpec>? classes = null;
        if (data["classes"] is JObject classObject) classes = ParseClasses(classObject);
        else if (data["classes"] is { } classToken) _r.WrongType(classToken, "data.classes", "an object mapping class names to labels");
        double holdout = _r.Number(data, "holdout", 0.01, 0.9, "data.") ?? 0.2;
        double validation = _r.Number(data, "validation", 0.05, 0.5, "data.") ?? 0.2;
        bool byFile = _r.OneOf(data, "holdoutBy", new[] { "file", "packet" }, "file") == "file";
        bool validationByFile = _r.OneOf(data, "validationBy", new[] { "file", "packet" }, "file") == "file";
        var positiveToken = data["positiveClass"];
        string? positive = positiveToken is null ? null : _r.String(positiveToken, "data.positiveClass");
        if (trainToken is null) return null;

        // Every file read, in order: feeds ReadFiles, the content hash and the dependency file.
        var files = new List<DataPath>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var capture in train.Concat(test))
        {
            if (seen.Add(capture.File.FullPath)) files.Add(capture.File);
            if (capture.EthSrcFile is { } macFile && seen.Add(macFile.FullPath)) files.Add(macFile);
            if (capture.IpSrcFile is { } ipFile && seen.Add(ipFile.FullPath)) files.Add(ipFile);
        }
        return new DataSpec
        {
            Train = files,
            Format = DataFormat.Pcap,
            HasHeader = false,
            ColumnsLocation = null,
            Delimiter = ',',
            Label = "",
            LabelLocation = _r.Loc(data),
            Classes = classes,
            Holdout = holdout,
            Validation = validation,
            PositiveClass = positive,
            PositiveClassLocation = positiveToken is null ? null : _r.Loc(positiveToken),
            Pcap = new PcapData { Train = train, Test = test, HoldoutByFile = byFile, ValidationByFile = validationByFile },
        };
    }

    private List<PcapCapture> ParseCaptures(JToken token, string what, bool labelFromFolder, CaptureFilter filter, int? port, bool portWritten)
    {
        var result = new List<PcapCapture>();
        IEnumerable<JToken> items = token is JArray many ? many : [token];
        if (token is JArray { Count: 0 }) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(token), what, "must name at least one capture");
        foreach (var item in items)
        {
            JToken? filesToken = item;
            string? label = null;
            var entryFilter = filter;
            int? entryPort = port;
            bool entryPortWritten = portWritten;
            if (item is JObject entry)
            {
                _r.CheckProperties(entry, PcapSourceProperties, what + "[].");
                filesToken = _r.Required<JValue>(entry, "files", "a path or glob", what + "[].");
                if (entry["label"] is { } labelToken) label = _r.String(labelToken, what + "[].label");
                if (entry["filter"] is { } f) entryFilter = ParseFilter(f, what + "[].filter", filter);
                if (entry[IngressPortProperty] is not null)
                {
                    entryPort = _r.Integer(entry, IngressPortProperty, 0, MaxIngressPort, what + "[].");
                    entryPortWritten = true;   // a bad value is reported where it stands, not again as missing
                }
            }
            else if (item is not JValue { Type: JTokenType.String })
            {
                _r.WrongType(item, what + "[]", "a path, a glob or {\"files\": ..., \"label\": ...}");
                continue;
            }
            if (filesToken is null) continue;
            if (label is null && !labelFromFolder)
            {
                _diagnostics.Report(DiagnosticCatalog.MissingProperty, _r.Loc(item), what + "[].label (or set data.labelFromFolder to true)");
                continue;
            }
            if (!entryPortWritten) _portlessCaptures.Add(_r.Loc(filesToken));
            else _anyIngressPort = true;
            var path = ResolvePath(filesToken, what);
            var paths = DataFiles.IsGlob(path.Written) ? DataFiles.Expand(path, out string folder) : [path];
            if (paths.Count == 0) _diagnostics.Report(DiagnosticCatalog.GlobMatchesNothing, path.Location, path.Written, Path.GetDirectoryName(path.FullPath) ?? "");
            foreach (var file in paths)
            {
                string directory = Path.GetDirectoryName(file.FullPath) ?? "";
                string fileLabel = label ?? Path.GetFileName(directory);
                DataPath? macFile = entryFilter.MacFile is null ? null : new DataPath(entryFilter.MacFile, Path.Combine(directory, entryFilter.MacFile), file.Location);
                DataPath? ipFile = entryFilter.IpFile is null ? null : new DataPath(entryFilter.IpFile, Path.Combine(directory, entryFilter.IpFile), file.Location);
                result.Add(new PcapCapture(file, fileLabel, entryFilter.Mac, macFile) { IpSrc = entryFilter.Ip, IpSrcFile = ipFile, IngressPort = entryPort });
            }
        }
        return result;
    }

    /// <summary>A capture filter as written: the source MAC and the source IP address (or the files holding them).</summary>
    private sealed record CaptureFilter(string? Mac, string? MacFile, string? Ip, string? IpFile)
    {
        public static readonly CaptureFilter None = new(null, null, null, null);

        public bool IsEmpty => Mac is null && MacFile is null && Ip is null && IpFile is null;
    }

    private CaptureFilter ParseFilter(JToken token, string what, CaptureFilter inherited)
    {
        if (token is not JObject obj)
        {
            _r.WrongType(token, what, "an object {\"ethSrc\": MAC}, {\"ethSrcFile\": file name}, {\"ipSrc\": IP address} or {\"ipSrcFile\": file name}");
            return inherited;
        }
        _r.CheckProperties(obj, FilterProperties, what + ".");
        var (mac, macFile) = FilterAddress(obj, what, "ethSrc", Homunculus.Model.Packets.PcapReader.ParseMac, "a MAC address such as \"20:f8:5e:ca:91:52\"");
        var (ip, ipFile) = FilterAddress(obj, what, "ipSrc", Homunculus.Model.Packets.PcapReader.ParseIp, "an IPv4 address such as \"192.168.0.20\" or an IPv6 address such as \"fe80::22f8:5eff:feca:9152\"");
        var filter = new CaptureFilter(mac, macFile, ip, ipFile);
        return filter.IsEmpty ? inherited : filter;
    }

    /// <summary>A filter's address, written inline as <paramref name="key"/> or named by <paramref name="key"/>File (a file beside each capture), not both.</summary>
    private (string? Address, string? File) FilterAddress(JObject obj, string what, string key, Func<string?, byte[]?> parse, string example)
    {
        string? address = null, file = null;
        if (obj[key] is { } token)
        {
            address = _r.String(token, $"{what}.{key}");
            if (parse(address) is null)
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(token), $"{what}.{key}", "must be " + example);
        }
        if (obj[key + "File"] is { } fileToken) file = _r.String(fileToken, $"{what}.{key}File");
        if (address is not null && file is not null)
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(obj), what, $"takes {key} or {key}File, not both");
        return (address, file);
    }

    /// <summary>
    /// A capture has no port, so a program that reads <c>ingress.port</c> needs every capture's declared: a model
    /// trained on a port the data never gave would learn from a constant 0 and meet real port numbers on the switch.
    /// </summary>
    private void CheckIngressPorts(IReadOnlyList<FeatureSpec> features)
    {
        var reader = features.FirstOrDefault(f => Homunculus.Model.Packets.PacketFields.Find(f.Field)?.Layer == PacketLayer.IngressPort);
        if (reader is null || _portlessCaptures.Count == 0) return;
        string why = $"feature '{reader.Name}' reads ingress.port, the switch port the packets arrive on, which a capture does not record; " +
            $"declare it as data.{IngressPortProperty} (every capture) or as {IngressPortProperty} of a capture entry, 0..{MaxIngressPort} in the switch's port numbering";
        if (!_anyIngressPort)
        {
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, reader.Location, $"data.{IngressPortProperty} ({why})");
            return;
        }
        foreach (var location in _portlessCaptures)
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, location, $"{IngressPortProperty} of this capture entry ({why})");
    }

    /// <summary>A decimal scale: a power of ten from 1 to 10^6.</summary>
    private long? Scale(JToken token)
    {
        int? value = _r.IntegerValue(token, "features[].scale", 1, 1_000_000);
        if (value is null) return null;
        long p = 1;
        while (p < value) p *= 10;
        if (p != value) return _r.Invalid<long?>(token, "features[].scale", "must be a power of ten (1, 10, 100, ...)", null);
        return value;
    }

    private MissingValues ParseMissing(JToken token, string what, MissingValues inherited)
    {
        if (token is not JObject obj)
        {
            _r.WrongType(token, what, "an object {\"values\": [...], \"policy\": \"error\" | \"drop-row\" | \"fill\", \"fill\": value}");
            return inherited;
        }
        _r.CheckProperties(obj, MissingProperties, what + ".");
        var markers = inherited.Markers;
        if (obj["values"] is { } valuesToken)
        {
            if (valuesToken is JArray values)
                markers = values.Select(v => v.Type is JTokenType.Integer or JTokenType.Float ? v.ToString(Newtonsoft.Json.Formatting.None) : _r.String(v, what + ".values[]")).ToList();
            else _r.WrongType(valuesToken, what + ".values", "an array of strings or numbers");
        }
        var policy = inherited.Policy;
        if (obj["policy"] is { } policyToken)
        {
            policy = _r.String(policyToken, what + ".policy") switch
            {
                "error" => MissingPolicy.Error,
                "drop-row" => MissingPolicy.DropRow,
                "fill" => MissingPolicy.Fill,
                _ => _r.Invalid(policyToken, what + ".policy", "must be \"error\", \"drop-row\" or \"fill\"", inherited.Policy),
            };
        }
        string? fill = inherited.Fill;
        if (obj["fill"] is { } fillToken)
            fill = fillToken.Type is JTokenType.Integer or JTokenType.Float ? fillToken.ToString(Newtonsoft.Json.Formatting.None) : _r.String(fillToken, what + ".fill");
        if (policy == MissingPolicy.Fill && fill is null)
            _diagnostics.Report(DiagnosticCatalog.MissingProperty, _r.Loc(obj), what + ".fill (required by the \"fill\" policy)");
        return new MissingValues(markers, policy, fill);
    }

    /// <param name="prefix">What the algorithms belong to in messages ("" at the top level, "models[]." in a model).</param>
    /// <param name="fallback">Without "algorithms": this list (null: <c>["dnn"]</c>).</param>
    private List<string> ParseAlgorithms(JObject root, string prefix = "", IReadOnlyList<string>? fallback = null)
    {
        var result = new List<string>();
        var token = root["algorithms"];
        if (token is null) return fallback?.ToList() ?? new List<string> { "dnn" };
        if (token is not JArray array)
        {
            _r.WrongType(token, prefix + "algorithms", "an array of algorithm names");
            return result;
        }
        foreach (var item in array)
        {
            string algorithm = _r.String(item, prefix + "algorithms[]");
            if (Training.ModelFamilies.Find(algorithm) is null)
                _diagnostics.Report(DiagnosticCatalog.UnsupportedAlgorithm, _r.Loc(item), algorithm, string.Join(", ", Training.ModelFamilies.Names));
            else if (result.Contains(algorithm))
                _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(item), prefix + "algorithms", $"lists '{algorithm}' twice");
            else result.Add(algorithm);
        }
        if (array.Count == 0) _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(array), prefix + "algorithms", "must list at least one algorithm");
        return result;
    }

    /// <summary>"model": one object per family; each family reads its own settings.</summary>
    /// <param name="inherited">Settings objects that apply where "model" names no object for a family (a model's defaults: the .hspec's).</param>
    private Dictionary<string, object> ParseModel(JObject root, IReadOnlyList<string> algorithms, string prefix = "", IReadOnlyDictionary<string, JObject>? inherited = null)
    {
        var objects = inherited is null ? new Dictionary<string, JObject>() : new Dictionary<string, JObject>(inherited);
        if (root["model"] is { } modelToken)
        {
            if (modelToken is JObject model)
            {
                _r.CheckProperties(model, Training.ModelFamilies.Names.ToArray(), prefix + "model.");
                foreach (var property in model.Properties())
                {
                    if (property.Value is JObject settings) objects[property.Name] = settings;
                    else if (Training.ModelFamilies.Find(property.Name) is not null) _r.WrongType(property.Value, prefix + "model." + property.Name, "an object");
                }
            }
            else _r.WrongType(modelToken, prefix + "model", "an object");
        }
        var result = new Dictionary<string, object>();
        foreach (var family in Training.ModelFamilies.All)
        {
            bool used = algorithms.Contains(family.Name);
            var written = objects.GetValueOrDefault(family.Name);
            // An inherited object was read (and any problem reported) where it is written.
            bool own = written is not null && (inherited is null || !inherited.TryGetValue(family.Name, out var from) || !ReferenceEquals(from, written));
            if (!used && !own) continue;
            var reader = own || written is null ? _r : new SpecReader(_path, "", new DiagnosticBag());
            var settings = family.ReadSettings(written, reader);
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
        if (written.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || written.IndexOf('\0') >= 0)
        {
            _diagnostics.Report(DiagnosticCatalog.InvalidValue, _r.Loc(token), what, "is not a valid path (it holds a control character)");
            return new DataPath(written, baseDirectory, _r.Loc(token));
        }
        string full = written.Length == 0 ? baseDirectory : Path.GetFullPath(Path.Combine(baseDirectory, written));
        return new DataPath(written, full, _r.Loc(token));
    }
}
