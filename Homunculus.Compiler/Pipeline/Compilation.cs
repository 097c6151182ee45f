using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Report;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Compiler.Search;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Training;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;
using Homunculus.Model.Naming;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Pipeline;

public sealed record CompileRequest(string SpecPath, string OutputFolder, string? CacheFolder, string? DepsFile)
{
    /// <summary>Search again even when the .hspec's lock file matches (compiler flag --search; MSBuild HomunculusSearch=true).</summary>
    public bool ForceSearch { get; init; }

    /// <summary>Receives one line per trial while the compiler works (the command line prints them).</summary>
    public Action<string>? Progress { get; init; }
}

/// <param name="Outputs">The files written, by relative path.</param>
public sealed record CompileResult(bool Success, bool FromCache, IReadOnlyList<Diagnostic> Diagnostics, ModelFile? Model, IReadOnlyDictionary<string, byte[]>? Outputs)
{
    /// <summary>The outputs as UTF-8 text (meaningful for the text files).</summary>
    public IReadOnlyDictionary<string, string>? Files { get; } = Outputs?.ToDictionary(f => f.Key, f => System.Text.Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal);

    /// <summary>One line: what was trained or searched and what was chosen (null when nothing was compiled).</summary>
    public string? Summary { get; init; }

    /// <summary>The trials of this compilation, in order (empty when the outputs came from the cache).</summary>
    public IReadOnlyList<TrialRecord> Trials { get; init; } = [];
}

/// <summary>
/// One compilation: .hspec -> data -> training -> quantization -> model file -> cost model -> emitters,
/// with the outputs cached by content and written into the output folder.
/// </summary>
public static class Compilation
{
    public const string ModelFileName = "model.json";

    public static IReadOnlyList<IEmitter> Emitters { get; } = new IEmitter[] { new Bmv2Emitter(), new SpatialEmitter(), new VectorsEmitter(), new Homunculus.Compiler.Emitters.Tna.TnaEmitter() };

    public static string Version { get; } =
        typeof(Compilation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Changes whenever the compiler's code changes (deterministic builds tie the MVID to the source).</summary>
    private static string Identity { get; } =
        $"{Version}/{typeof(Compilation).Assembly.ManifestModule.ModuleVersionId}/{typeof(ModelFile).Assembly.ManifestModule.ModuleVersionId}";

    public static CompileResult Run(CompileRequest request, CancellationToken cancellation)
    {
        var diagnostics = new DiagnosticBag();
        string specPath = Path.GetFullPath(request.SpecPath);
        var inputs = new List<string> { specPath };
        try
        {
            if (!File.Exists(specPath))
            {
                diagnostics.Report(DiagnosticCatalog.Usage, null, $"the .hspec file does not exist: {specPath}");
                return Failed(diagnostics);
            }
            string text = File.ReadAllText(specPath);
            var spec = HSpecParser.Parse(specPath, text, diagnostics);
            if (spec is null) return Failed(diagnostics);

            CheckTarget(spec, diagnostics);
            CheckNames(spec, diagnostics);
            ActionSpecs.CheckTarget(spec, diagnostics);
            if (diagnostics.HasErrors) return Failed(diagnostics);

            inputs.AddRange(spec.Data.Train.Select(p => p.FullPath).Where(File.Exists));
            if (spec.Data.Test is { } test && File.Exists(test.FullPath)) inputs.Add(test.FullPath);
            var files = DataLoader.ReadFiles(spec, diagnostics);
            if (files is null) return Failed(diagnostics);

            // With a search, the lock file steers the result: it is an input (and part of the key).
            var lockPaths = spec.Search is null ? [] : ScheduleCompilation.LockPaths(spec);
            var locks = lockPaths.Where(File.Exists).ToList();
            string? lockText = locks.Count == 0 ? null : string.Concat(locks.Select(File.ReadAllText));
            inputs.AddRange(locks);
            string key = CacheKey(spec, text, files, lockText);
            var cache = request.CacheFolder is null ? null : new ContentCache(request.CacheFolder);
            if (!request.ForceSearch && cache?.TryGet(key) is { } cached && cached.TryGetValue(ModelFileName, out var cachedModel))
            {
                OutputFolder.Write(request.OutputFolder, cached);
                return new CompileResult(true, true, diagnostics.Items, ModelFileJson.Deserialize(System.Text.Encoding.UTF8.GetString(cachedModel)), cached)
                {
                    Summary = "inputs unchanged, outputs from the cache",
                };
            }

            var outputs = Compile(spec, text, files, request, diagnostics, cancellation);
            if (outputs is null) return Failed(diagnostics);
            cancellation.ThrowIfCancellationRequested();
            // A search writes the lock file: from now on it is an input of the build.
            cache?.Put(key, outputs.Value.Files);
            inputs.AddRange(lockPaths.Where(p => File.Exists(p) && !inputs.Contains(p)));
            OutputFolder.Write(request.OutputFolder, outputs.Value.Files);
            return new CompileResult(true, false, diagnostics.Items, outputs.Value.Model, outputs.Value.Files)
            {
                Summary = outputs.Value.Summary,
                Trials = outputs.Value.Trials,
            };
        }
        finally
        {
            // Even a failed compilation names its inputs, so that fixing a data file reruns the build.
            if (request.DepsFile is not null)
                OutputFolder.WriteIfChanged(Path.GetFullPath(request.DepsFile), string.Join("\n", inputs.Distinct()) + "\n");
        }

        CompileResult Failed(DiagnosticBag bag) => new(false, false, bag.Items, null, null);
    }

    private static (ModelFile Model, IReadOnlyDictionary<string, byte[]> Files, string Summary, IReadOnlyList<TrialRecord> Trials)? Compile(
        HSpec spec, string text, IReadOnlyDictionary<string, byte[]> files, CompileRequest request, DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        // A schedule's models map labels to classes each their own way: its data is read with one class per label.
        var data = DataLoader.Load(spec.Models.Count == 0 ? spec : spec with { Data = spec.Data with { Classes = null, PositiveClass = null } }, files, diagnostics);
        if (data is null) return null;
        if (spec.Models.Count > 0) return ScheduleCompilation.Compile(spec, text, files, data, request, diagnostics, cancellation);
        CheckGeneratedNames(spec, data, diagnostics);
        ActionSpecs.CheckClasses(spec, data.Classes, diagnostics);
        if (diagnostics.HasErrors) return null;

        var explored = Explore(spec, data, CostModel.For(spec.Platform.Target)!, TrialContext(spec, text, files), DataHash(spec, files), request, diagnostics, cancellation);
        if (explored is null) return null;
        var (objective, fit, validation, exploration) = explored;
        var chosen = exploration.Chosen.Outcome.Candidate;
        var candidates = exploration.Trials.Select(t => t.Outcome.Candidate).ToList();

        // Actions never change training: trials (and the trial store) hold models without them.
        var model = ActionSpecs.Apply(chosen.Model, spec.Actions);
        var outputs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ModelFileName] = new GeneratedFile(ModelFileName, ModelFileJson.Serialize(model)).Bytes,
        };
        foreach (var emitter in Emitters.Where(e => e.Supports(model)))
            foreach (var file in emitter is IVectorEmitter v ? v.Emit(model, VectorRows.From(data)) : emitter.Emit(model)) outputs[file.RelativePath] = file.Bytes;
        var facts = new ReportFacts(objective, chosen, candidates, fit.Rows, validation.Rows, data.Test.Rows, data.TestIsHoldout, data.Notes.Concat(explored.ValidationNotes).ToList(), outputs.Keys.ToList())
        {
            Exploration = exploration,
            TestConfusion = Confusion(model, data.Test),
        };
        foreach (var report in ReportEmitter.EmitAll(model, facts)) outputs[report.RelativePath] = report.Bytes;
        return (model, outputs, exploration.Summary(objective), exploration.Trials);
    }

    /// <summary>What the exploration of one model chose, with the objective and the rows it was trained and chosen on.</summary>
    internal sealed record Explored(Objective Objective, Dataset Fit, Dataset Validation, Exploration Exploration)
    {
        /// <summary>How the validation rows were set aside, for the report beside the data's own notes.</summary>
        public IReadOnlyList<string> ValidationNotes { get; init; } = [];
    }

    /// <summary>
    /// Trains (or searches) the program's one model, or one model of a schedule, on <paramref name="data"/>: the
    /// objective, the validation split, the trials in the store of <paramref name="trialContext"/>, and the check
    /// of the objective's minimum; null when an error was reported.
    /// </summary>
    internal static Explored? Explore(HSpec spec, LoadedData data, CostModel costModel, string trialContext, string dataHash, CompileRequest request, DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        var objective = ResolveObjective(spec, data, diagnostics);
        if (objective is null) return null;
        var (fit, validation, validationNotes) = SplitValidation(data.Train, data.Classes, spec);
        var set = new TrainingSet(data.Features, data.Classes, fit, validation, data.Test);
        var store = request.CacheFolder is null ? null : new TrialStore(request.CacheFolder, trialContext);
        var runner = new TrialRunner(spec, data, set, costModel, store);
        var explorer = new Explorer(spec, data, set, objective, runner, store, dataHash, request);
        var exploration = explorer.Run(diagnostics, cancellation);
        store?.Prune();
        if (exploration is null) return null;
        var chosen = exploration.Chosen.Outcome.Candidate;
        if (spec.Minimum is double minimum && objective.Of(chosen.FixedTest) < minimum)
        {
            double reached = objective.Of(chosen.FixedTest);
            var descriptor = spec.MinimumIsError ? DiagnosticCatalog.BelowMinimumError : DiagnosticCatalog.BelowMinimumWarning;
            diagnostics.Report(descriptor, spec.ObjectiveLocation, Round(reached), objective.Metric, Round(minimum - reached), Round(minimum));
            if (spec.MinimumIsError) return null;
        }
        return new Explored(objective, fit, validation, exploration) { ValidationNotes = validationNotes };
    }

    /// <summary>[true class][predicted class] counts of the integer model (the reference interpreter) on the rows.</summary>
    internal static IReadOnlyList<IReadOnlyList<int>> Confusion(ModelFile model, Dataset rows)
    {
        int classes = model.Classes.Count;
        var counts = new int[classes][];
        for (int c = 0; c < classes; c++) counts[c] = new int[classes];
        for (int r = 0; r < rows.Rows; r++) counts[rows.Classes[r]][Homunculus.Model.Interpretation.ReferenceInterpreter.Predict(model, rows.Row(r))]++;
        return counts;
    }

    private static string Round(double value) => value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The objective with its positive class ("f1" measures one class: the declared one, or the second of two).</summary>
    private static Objective? ResolveObjective(HSpec spec, LoadedData data, DiagnosticBag diagnostics)
    {
        int positive = data.Classes.Count == 2 ? 1 : 0;
        if (spec.Data.PositiveClass is { } name)
        {
            positive = data.Classes.ToList().FindIndex(c => c.Name == name);
            if (positive < 0)
            {
                diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.Data.PositiveClassLocation, "data.positiveClass",
                    $"names no class (classes: {string.Join(", ", data.Classes.Select(c => c.Name))})");
                return null;
            }
        }
        else if (spec.Objective == "f1" && data.Classes.Count > 2)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.ObjectiveLocation, "objective",
                $"'f1' measures one class but there are {data.Classes.Count}: set data.positiveClass, or use macro-f1 or weighted-f1");
            return null;
        }
        return new Objective(spec.Objective, positive);
    }

    /// <summary>
    /// Stratified, seeded: the rows the families learn from, and the rows that choose between them, with notes on how
    /// they were split. Rows from captures (<see cref="Dataset.Groups"/>) are split by whole capture unless
    /// <c>data.validationBy</c> is "packet": a capture's packets are strongly correlated, and a validation set sharing
    /// sessions with the fit set rewards memorizing them.
    /// </summary>
    internal static (Dataset Fit, Dataset Validation, IReadOnlyList<string> Notes) SplitValidation(Dataset train, IReadOnlyList<ClassInfo> classes, HSpec spec)
    {
        if (train.Groups is not { } groups || spec.Data.Pcap is not { ValidationByFile: true })
        {
            var (fit, validation) = Splits.Stratified(train.Classes, spec.Data.Validation, spec.Seed + 1);
            return (train.Subset(fit), train.Subset(validation), []);
        }

        // A capture's class is its first row's: one capture has one label, and any relabelling maps labels, not rows.
        var captures = new List<int>();
        var captureClasses = new List<int>();
        var seen = new HashSet<int>();
        for (int r = 0; r < train.Rows; r++)
        {
            if (!seen.Add(groups[r])) continue;
            captures.Add(groups[r]);
            captureClasses.Add(train.Classes[r]);
        }
        var (keep, heldOut) = Splits.Stratified(captureClasses, spec.Data.Validation, spec.Seed + 1);
        var validationCaptures = heldOut.Select(i => captures[i]).ToHashSet();

        // A class with one training capture cannot give a whole one to validation without losing it for fitting, and
        // no validation rows would let the choice ignore it: its packets are split instead, as with "packet".
        var single = captureClasses.GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).ToHashSet();
        var singleRows = Enumerable.Range(0, train.Rows).Where(r => single.Contains(train.Classes[r])).ToList();
        var (_, singleHeldOut) = Splits.Stratified(singleRows.Select(r => train.Classes[r]).ToList(), spec.Data.Validation, spec.Seed + 1);
        var validationRows = singleHeldOut.Select(i => singleRows[i]).ToHashSet();

        var fitRows = new List<int>();
        var validationList = new List<int>();
        for (int r = 0; r < train.Rows; r++)
        {
            bool validates = single.Contains(train.Classes[r]) ? validationRows.Contains(r) : validationCaptures.Contains(groups[r]);
            (validates ? validationList : fitRows).Add(r);
        }
        var notes = new List<string>
        {
            $"validation set: {heldOut.Count} of {captures.Count} training captures set aside whole (per class, seed {spec.Seed})",
        };
        if (single.Count > 0)
        {
            var names = single.Order().Select(c => classes[c].Name).ToList();
            notes.Add($"validation set: {string.Join(", ", names)} {(names.Count == 1 ? "has" : "have")} a single training capture, split by packet instead");
        }
        return (train.Subset(fitRows), train.Subset(validationList), notes);
    }

    private static void CheckTarget(HSpec spec, DiagnosticBag diagnostics)
    {
        var costModel = CostModel.For(spec.Platform.Target)!;
        foreach (var fieldFeature in spec.Features.Where(f => f.Field is not null))
        {
            if (costModel.CannotReadField(fieldFeature.Field!) is { } reason)
                diagnostics.Report(DiagnosticCatalog.FeatureSourceNotOnTarget, fieldFeature.Location, fieldFeature.Name, fieldFeature.Field!, reason);
        }
        // What the target's flow table cannot be; a target without flow state at all says so once, and only when no
        // flow feature has said it above (a bare classification point).
        if (spec.Flow is { } flow)
        {
            foreach (var (property, reason) in costModel.CannotKeepFlows(flow))
            {
                if (property == "flow")
                {
                    if (!spec.Features.Any(f => FlowFields.Find(f.Field) is not null && costModel.CannotReadField(f.Field!) is not null))
                        diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.Platform.TargetLocation, "flow", reason);
                    continue;
                }
                var written = property switch { "tableSize" => spec.FlowLocations?.TableSize, "timeoutSeconds" => spec.FlowLocations?.Timeout, _ => null };
                diagnostics.Report(DiagnosticCatalog.InvalidValue, written ?? spec.FlowLocations?.Block ?? spec.Platform.TargetLocation, "flow." + property,
                    written is null ? $"(not written, the default) {reason}" : reason);
            }
        }
        // A schedule's models each name their own algorithms (the .hspec's are their defaults).
        foreach (var algorithm in spec.Models.Count == 0 ? spec.Algorithms : spec.Models.SelectMany(m => m.Algorithms).Distinct().ToList())
        {
            if (costModel.CannotRun(algorithm) is { } reason)
                diagnostics.Report(DiagnosticCatalog.AlgorithmNotOnTarget, spec.Platform.TargetLocation, algorithm, spec.Platform.Target, reason);
            else if (!Emitters.Any(e => e.Target == spec.Platform.Target))   // e.g. tofino: no emitter yet
                diagnostics.Report(DiagnosticCatalog.AlgorithmNotOnTarget, spec.Platform.TargetLocation, algorithm, spec.Platform.Target, $"the compiler has no {spec.Platform.Target} code generator yet; choose taurus or bmv2");
        }
    }

    /// <summary>Feature names become C# members and P4/Spatial fields: two names must not map to one identifier.</summary>
    private static void CheckNames(HSpec spec, DiagnosticBag diagnostics)
    {
        foreach (var mapping in new Func<string, string>[] { Identifiers.CSharp, Identifiers.Snake })
        {
            var seen = new Dictionary<string, FeatureSpec>(StringComparer.Ordinal);
            foreach (var feature in spec.Features)
            {
                string id = mapping(feature.Name);
                if (seen.TryGetValue(id, out var other))
                    diagnostics.Report(DiagnosticCatalog.IdentifierCollision, feature.Location, "features", other.Name, feature.Name, id);
                else seen[id] = feature;
            }
        }
        foreach (var classes in spec.Models.Select(m => m.Classes).Prepend(spec.Data.Classes).OfType<IReadOnlyList<ClassSpec>>())
        {
            var seen = new Dictionary<string, ClassSpec>(StringComparer.Ordinal);
            foreach (var cls in classes)
            {
                string id = Identifiers.CSharp(cls.Name);
                if (seen.TryGetValue(id, out var other))
                    diagnostics.Report(DiagnosticCatalog.IdentifierCollision, cls.Location, "classes", other.Name, cls.Name, id);
                else seen[id] = cls;
            }
        }
    }

    /// <summary>Checks that need the data (class names from label values, categories) against the C# stub's names.</summary>
    private static void CheckGeneratedNames(HSpec spec, LoadedData data, DiagnosticBag diagnostics)
    {
        var probe = new ModelFile { Name = spec.Name, Features = data.Features.ToEquatableArray(), Classes = data.Classes.ToEquatableArray() };
        foreach (var problem in StubNames.Conflicts(probe))
            diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.NameLocation, "names", problem);
    }

    /// <summary>Normalized spec (no comments, no formatting, no data paths) + data bytes + compiler identity.</summary>
    /// <summary>What trained models depend on: the compiler, the .hspec without the settings that only steer the
    /// search or judge its results (search, model, algorithms, platform, objective), and the data bytes.</summary>
    /// <param name="model">For one model of a schedule: what its training depends on besides the rest of the .hspec
    /// (its entry and those of the models it follows, the earlier models whose class it reads); "models" itself is left out.</param>
    internal static string TrialContext(HSpec spec, string text, IReadOnlyDictionary<string, byte[]> files, IEnumerable<string>? model = null)
    {
        var json = HSpecParser.LoadJson(text, out _)!;
        foreach (var name in new[] { "$schema", "search", "model", "algorithms", "platform", "objective", ActionSpecs.Property, ActionSpecs.CpuSessionProperty }) json.Remove(name);
        if (model is not null) json.Remove(HSpecParser.ModelsProperty);
        if (json["data"] is JObject data)
        {
            data.Remove("train");
            data.Remove("test");
        }
        var parts = new List<string> { "trials", Identity, Path.GetFileName(spec.SpecPath), Canonical(json).ToString(Newtonsoft.Json.Formatting.None), DataHash(spec, files) };
        if (model is not null) parts.AddRange(model);
        return ContentCache.Key(parts);
    }

    /// <summary>The hash of the data files (train in order, then test), as the lock file records it.</summary>
    public static string DataHash(HSpec spec, IReadOnlyDictionary<string, byte[]> files)
    {
        var parts = spec.Data.Train.Select(p => "train:" + ContentCache.Hash(files[p.FullPath])).ToList();
        if (spec.Data.Test is { } test) parts.Add("test:" + ContentCache.Hash(files[test.FullPath]));
        parts.AddRange(CaptureLabels(spec, files));
        return ContentCache.Key(parts);
    }

    private static string CacheKey(HSpec spec, string text, IReadOnlyDictionary<string, byte[]> files, string? lockText)
    {
        var json = HSpecParser.LoadJson(text, out _)!;
        json.Remove("$schema");
        if (json["data"] is JObject data)
        {
            data.Remove("train");
            data.Remove("test");
        }
        var parts = new List<string> { Identity, Path.GetFileName(spec.SpecPath), Canonical(json).ToString(Newtonsoft.Json.Formatting.None) };
        parts.AddRange(spec.Data.Train.Select(p => "train:" + ContentCache.Hash(files[p.FullPath])));
        if (spec.Data.Test is { } test) parts.Add("test:" + ContentCache.Hash(files[test.FullPath]));
        parts.AddRange(CaptureLabels(spec, files));
        if (lockText is not null) parts.Add("lock:" + lockText.Replace("\r\n", "\n"));
        return ContentCache.Key(parts);
    }

    /// <summary>Pcap programs: which capture (by content) has which label, filter and port, as labels can come from folder names, which the key leaves out.</summary>
    private static IEnumerable<string> CaptureLabels(HSpec spec, IReadOnlyDictionary<string, byte[]> files) =>
        spec.Data.Pcap is not { } pcap ? []
            : pcap.Train.Select(c => $"capture:{ContentCache.Hash(files[c.File.FullPath])}:{c.Label}:{c.EthSrc}:{c.EthSrcFile?.Written}{CaptureExtras(c)}")
                .Concat(pcap.Test.Select(c => $"test-capture:{ContentCache.Hash(files[c.File.FullPath])}:{c.Label}:{c.EthSrc}:{c.EthSrcFile?.Written}{CaptureExtras(c)}"));

    // Empty unless used, so the keys of programs without an IP filter or a port stay what they were.
    private static string CaptureExtras(PcapCapture c) =>
        (c.IpSrc is null && c.IpSrcFile is null ? "" : $":ip:{c.IpSrc}:{c.IpSrcFile?.Written}")
        + (c.IngressPort is int port ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $":port:{port}") : "");

    internal static JToken Canonical(JToken token) => token switch
    {
        JObject obj => new JObject(obj.Properties().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new JProperty(p.Name, Canonical(p.Value)))),
        JArray array => new JArray(array.Select(Canonical)),
        _ => token.DeepClone(),
    };
}
