using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Emitters;
using Homunculus.Compiler.Emitters.Report;
using Homunculus.Compiler.Emitters.Vectors;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Diagnostics;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Pipeline;

/// <summary>
/// Several models on one switch (docs/schedule.md). The data is read once, with one class per label; each model,
/// in schedule order, is then an ordinary compilation (training or search, trial store, lock file, quantization)
/// on the rows it runs for, relabelled with its own classes, with its share of the target's budget
/// (<see cref="SharedCostModel"/>); a model that reads an earlier model's class gets that model's predictions as
/// one more feature. The chosen models are composed into one model file (<see cref="ScheduleModel"/>), estimated
/// against the whole budget, and emitted as one program per target.
/// </summary>
internal static class ScheduleCompilation
{
    /// <summary>The lock files a search writes: the program's, or one per model of a schedule.</summary>
    public static IReadOnlyList<string> LockPaths(HSpec spec) =>
        spec.Models.Count == 0 ? new[] { LockFile.PathFor(spec.SpecPath) } : spec.Models.Select(m => LockPathOf(spec, m)).ToList();

    /// <summary><c>&lt;file&gt;.hspec.&lt;model&gt;.lock</c>.</summary>
    public static string LockPathOf(HSpec spec, ModelSpec model) => $"{spec.SpecPath}.{Identifiers.Snake(model.Name)}.lock";

    /// <summary>One model of the schedule once trained: its spec and data as compiled, and its class of every row.</summary>
    private sealed class Built
    {
        public required ModelSpec Spec { get; init; }
        public required LoadedData Data { get; init; }
        public required Compilation.Explored Explored { get; init; }
        public required IReadOnlyList<ClassInfo> Classes { get; init; }
        public required IReadOnlyList<int> When { get; init; }
        /// <summary>Per set (train, test): whether the model trains (or is tested) on the row, by the true classes of the models it follows.</summary>
        public required bool[][] Runs { get; init; }
        /// <summary>Per set: the row's class under the model's classes (-1 where it does not run).</summary>
        public required int[][] TrueClass { get; init; }
        /// <summary>The class of a label under the model's classes, -1 when none.</summary>
        public required Func<string, int> ClassOf { get; init; }
        /// <summary>Per set: the chosen model's class of every row (what a later model with "input" reads).</summary>
        public int[][] Predicted { get; set; } = [];
        public ModelFile Chosen => Explored.Exploration.Chosen.Outcome.Candidate.Model;
    }

    public static (ModelFile Model, IReadOnlyDictionary<string, byte[]> Files, string Summary, IReadOnlyList<TrialRecord> Trials)? Compile(
        HSpec spec, string text, IReadOnlyDictionary<string, byte[]> files, LoadedData data, CompileRequest request, DiagnosticBag diagnostics, CancellationToken cancellation)
    {
        if (spec.ClassifyAtChoices is not null)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.ModelsLocation, "flow.classifyAt",
                "cannot list several classification points in a schedule: its models share one flow table (docs/schedule.md); give one number");
            return null;
        }
        var costModel = CostModel.For(spec.Platform.Target)!;
        var json = HSpecParser.LoadJson(text, out _)!;
        var sets = new[] { data.Train, data.Test };
        var built = new List<Built>();
        foreach (var model in spec.Models)
        {
            var derived = Derive(spec, model, data, sets, built, diagnostics);
            if (derived is null) return null;
            var upstream = Upstream(spec, model, built, json);
            var modelSpec = spec with
            {
                Name = model.Name,
                Features = model.Features,
                Data = spec.Data with
                {
                    Classes = model.Classes ?? spec.Data.Classes,
                    PositiveClass = derived.Value.Data.Classes.Any(c => c.Name == spec.Data.PositiveClass) ? spec.Data.PositiveClass : null,
                },
                Algorithms = model.Algorithms,
                Settings = model.Settings,
                ExplicitSettings = model.ExplicitSettings,
                Actions = [],
                Models = [],
                LockPath = LockPathOf(spec, model),
                // What goes wrong in one model's search (budgets, the objective) is reported at its entry.
                Platform = spec.Platform with { TargetLocation = model.NameLocation },
                ObjectiveLocation = model.NameLocation,
            };
            request.Progress?.Invoke($"model '{model.Name}': {derived.Value.Data.Train.Rows} training rows, {derived.Value.Data.Classes.Count} classes, {Percent(model.Share)} of the budget");
            var explored = Compilation.Explore(modelSpec, derived.Value.Data, new SharedCostModel(costModel, model.Share),
                Compilation.TrialContext(spec, text, files, upstream), ContentCache.Key(upstream.Prepend(Compilation.DataHash(spec, files))), request, diagnostics, cancellation);
            if (explored is null) return null;
            var b = derived.Value.Built(explored);
            b.Predicted = Predict(spec, b, built, sets);
            built.Add(b);
            cancellation.ThrowIfCancellationRequested();
        }

        var file = Compose(spec, data, built);
        var problems = Schedules.Problems(file);
        if (problems.Count > 0) throw new InvalidOperationException("the composed schedule is inconsistent: " + string.Join("; ", problems));
        foreach (var problem in StubNames.Conflicts(file))
            diagnostics.Report(DiagnosticCatalog.InvalidValue, spec.NameLocation, "names", problem);
        if (diagnostics.HasErrors) return null;
        var figures = costModel.EstimateSchedule(file, spec.Platform);
        file = file with { Platform = new PlatformInfo { Target = spec.Platform.Target, Resources = figures.ToEquatableArray() } };
        foreach (var figure in figures.Where(f => !f.Fits))
        {
            string budget = (figure.AtLeast ? "at least " : "at most ") + $"{figure.Budget} {figure.Unit}";
            diagnostics.Report(DiagnosticCatalog.OverBudget, spec.Platform.TargetLocation, $"{spec.Platform.Target} (the schedule of {built.Count} models)", figure.Name, $"{figure.Value} {figure.Unit}", budget);
        }
        if (diagnostics.HasErrors) return null;

        var outputs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [Compilation.ModelFileName] = new GeneratedFile(Compilation.ModelFileName, ModelFileJson.Serialize(file)).Bytes,
        };
        foreach (var emitter in Compilation.Emitters.Where(e => e.Supports(file)))
            foreach (var generated in emitter is IVectorEmitter v ? v.Emit(file, VectorRows.From(data)) : emitter.Emit(file)) outputs[generated.RelativePath] = generated.Bytes;
        var decisions = Enumerable.Range(0, data.Test.Rows).Select(r => ReferenceInterpreter.Decide(file, data.Test.Row(r))).ToList();
        // Each model's section shows the estimate of its own search (its share of the budget).
        var models = built.Select((b, m) => new ScheduleReportModel(Schedules.View(file, m) with { Platform = b.Chosen.Platform }, Facts(b, outputs.Keys.ToList()), Combined(decisions, m, b, data))).ToList();
        foreach (var report in ScheduleReport.Emit(file, models)) outputs[report.RelativePath] = report.Bytes;
        string summary = string.Join("; ", built.Select(b => $"model '{b.Spec.Name}': {b.Explored.Exploration.Summary(b.Explored.Objective)}"));
        return (file, outputs, summary, built.SelectMany(b => b.Explored.Exploration.Trials).ToList());
    }

    private static string Percent(double share) => $"{Math.Round(share * 100, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}%";

    /// <summary>
    /// What a model's training depends on besides the rest of the .hspec: its entry and the entries of the models it
    /// follows (without their algorithms, settings and shares), and the chosen models whose classes it reads.
    /// </summary>
    private static List<string> Upstream(HSpec spec, ModelSpec model, IReadOnlyList<Built> built, JObject json)
    {
        var entries = (json[HSpecParser.ModelsProperty] as JArray ?? new JArray()).OfType<JObject>().ToList();
        string Entry(ModelSpec m)
        {
            var entry = (JObject?)entries.FirstOrDefault(e => (string?)e["name"] == m.Name)?.DeepClone() ?? new JObject();
            // Actions never change training (docs/actions.md), in a schedule as in one model.
            foreach (var name in new[] { "algorithms", "model", "share", ActionSpecs.Property }) entry.Remove(name);
            return Compilation.Canonical(entry).ToString(Newtonsoft.Json.Formatting.None);
        }
        var parts = new List<string> { "model:" + Entry(model) };
        bool reads = model.Input;
        for (var current = model; current.After is { } after;)
        {
            var earlier = built.Single(b => b.Spec.Name == after);
            parts.Add("after:" + Entry(earlier.Spec));
            if (reads) parts.Add("reads:" + ModelFileJson.Serialize(earlier.Chosen));
            reads = reads && earlier.Spec.Input;
            current = earlier.Spec;
        }
        return parts;
    }

    /// <summary>
    /// The chosen model's class of every row of each set, on its row as the switch gives it: the features it reads,
    /// then (with "input") the class the earlier model predicts.
    /// </summary>
    private static int[][] Predict(HSpec spec, Built model, IReadOnlyList<Built> built, Dataset[] sets)
    {
        var columns = Columns(spec, model.Spec);
        var earlier = model.Spec.Input ? built.Single(b => b.Spec.Name == model.Spec.After) : null;
        return sets.Select((set, s) =>
        {
            var classes = new int[set.Rows];
            var row = new long[columns.Count + (earlier is null ? 0 : 1)];
            for (int r = 0; r < set.Rows; r++)
            {
                for (int i = 0; i < columns.Count; i++) row[i] = set.Encoded[r * set.FeatureCount + columns[i]];
                if (earlier is not null) row[^1] = earlier.Predicted[s][r];
                classes[r] = ReferenceInterpreter.Predict(model.Chosen, row);
            }
            return classes;
        }).ToArray();
    }

    private static List<int> Columns(HSpec spec, ModelSpec model) =>
        model.Features.Select(f => spec.Features.ToList().FindIndex(x => x.Name == f.Name)).ToList();

    private readonly record struct Derived(LoadedData Data, Func<Compilation.Explored, Built> Built);

    /// <summary>
    /// The data one model is compiled on: the rows it runs for (by the true classes of the models it follows), its
    /// features (and the earlier model's predicted class, with "input"), each row's label mapped to its classes.
    /// </summary>
    private static Derived? Derive(HSpec spec, ModelSpec model, LoadedData data, Dataset[] sets, IReadOnlyList<Built> built, DiagnosticBag diagnostics)
    {
        var earlier = model.After is { } name ? built.Single(b => b.Spec.Name == name) : null;
        var when = new List<int>();
        if (earlier is not null)
        {
            foreach (var (cls, location) in model.When)
            {
                int index = earlier.Classes.ToList().FindIndex(c => c.Name == cls);
                if (index < 0) diagnostics.Report(DiagnosticCatalog.UnknownWhenClass, location, cls, earlier.Spec.Name, string.Join(", ", earlier.Classes.Select(c => c.Name)));
                when.Add(index);
            }
            if (diagnostics.HasErrors) return null;
        }
        // The data was read with one class per label (the class's name is the label).
        var runs = sets.Select((set, s) => Enumerable.Range(0, set.Rows)
            .Select(r => earlier is null || earlier.Runs[s][r] && (when.Count == 0 || when.Contains(earlier.TrueClass[s][r]))).ToArray()).ToArray();
        var declared = model.Classes ?? spec.Data.Classes;
        var classes = declared?.Select(c => new ClassInfo { Name = c.Name, Labels = c.Labels.ToEquatableArray(), TakesOtherLabels = c.TakesOtherLabels }).ToList()
            ?? Enumerable.Range(0, data.Train.Rows).Where(r => runs[0][r]).Select(r => data.Classes[data.Train.Classes[r]].Name).Distinct()
                .OrderBy(l => l, StringComparer.Ordinal).Select(l => new ClassInfo { Name = l, Labels = EquatableArray.From(l) }).ToList();
        var labelToClass = new Dictionary<string, int>(StringComparer.Ordinal);
        int other = -1;
        for (int c = 0; c < classes.Count; c++)
        {
            foreach (var label in classes[c].Labels) labelToClass.TryAdd(label, c);
            if (classes[c].TakesOtherLabels) other = c;
        }
        int ClassOf(string label) => labelToClass.TryGetValue(label, out int c) ? c : other;
        var unmapped = new SortedSet<string>(StringComparer.Ordinal);
        var trueClass = sets.Select((set, s) => Enumerable.Range(0, set.Rows).Select(r =>
        {
            if (!runs[s][r]) return -1;
            string label = data.Classes[set.Classes[r]].Name;
            int c = ClassOf(label);
            if (c < 0) unmapped.Add(label);
            return c;
        }).ToArray()).ToArray();
        foreach (var label in unmapped)
            diagnostics.Report(DiagnosticCatalog.UnmappedLabel, model.ClassesLocation ?? model.NameLocation, label);
        if (unmapped.Count > 0) return null;
        ActionSpecs.CheckClasses(model.Actions, classes, diagnostics);
        if (diagnostics.HasErrors) return null;

        var columns = Columns(spec, model);
        var features = columns.Select(c => data.Features[c]).ToList();
        if (model.Input) features.Add(Schedules.ClassInput(new ScheduledModel { Name = earlier!.Spec.Name, Classes = earlier.Classes.ToEquatableArray() }));
        var projected = sets.Select((set, s) =>
        {
            var rows = Enumerable.Range(0, set.Rows).Where(r => runs[s][r]).ToList();
            int width = features.Count;
            var encoded = new long[rows.Count * width];
            for (int i = 0; i < rows.Count; i++)
            {
                for (int f = 0; f < columns.Count; f++) encoded[i * width + f] = set.Encoded[rows[i] * set.FeatureCount + columns[f]];
                if (model.Input) encoded[i * width + width - 1] = earlier!.Predicted[s][rows[i]];
            }
            // The captures go along, so each model's validation split keeps them whole too.
            return new Dataset(width, encoded, rows.Select(r => trueClass[s][r]).ToArray(), groups: set.Groups is { } g ? rows.Select(r => g[r]).ToArray() : null);
        }).ToArray();
        if (projected[0].Classes.Distinct().Count() < 2)
        {
            diagnostics.Report(DiagnosticCatalog.SingleClass, model.NameLocation, projected[0].Rows == 0 ? "(none)" : classes[projected[0].Classes[0]].Name);
            return null;
        }
        if (projected[1].Rows == 0)
        {
            diagnostics.Report(DiagnosticCatalog.EmptyData, model.NameLocation, $"the test set of model '{model.Name}' (no test row reaches it)");
            return null;
        }
        var notes = data.Notes.ToList();
        if (earlier is not null)
            notes.Add($"model '{model.Name}' runs after '{earlier.Spec.Name}'"
                + (when.Count > 0 ? $" for its class(es) {string.Join(", ", when.Select(c => earlier.Classes[c].Name))}" : "")
                + $": {projected[0].Rows} of {data.Train.Rows} training rows and {projected[1].Rows} of {data.Test.Rows} test rows (by their labels)"
                + (model.Input ? $"; it reads the class '{earlier.Spec.Name}' predicts as one more feature" : ""));
        var loaded = new LoadedData(features, classes, projected[0], projected[1], data.TestIsHoldout, notes);
        return new Derived(loaded, explored => new Built
        {
            Spec = model,
            Data = loaded,
            Explored = explored,
            Classes = classes,
            When = when,
            Runs = runs,
            TrueClass = trueClass,
            ClassOf = ClassOf,
        });
    }

    /// <summary>The chosen models as one model file: the .hspec's features, shared, and one scheduled model each.</summary>
    private static ModelFile Compose(HSpec spec, LoadedData data, IReadOnlyList<Built> built) => new()
    {
        Name = spec.Name,
        SpecFile = Path.GetFileName(spec.SpecPath),
        CompilerVersion = Compilation.Version,
        Algorithm = ScheduleModel.KindName,
        Features = data.Features.ToEquatableArray(),
        Model = new ScheduleModel
        {
            Models = built.Select(b => new ScheduledModel
            {
                Name = b.Spec.Name,
                Algorithm = b.Chosen.Algorithm,
                Features = Columns(spec, b.Spec).ToEquatableArray(),
                Classes = ActionSpecs.Apply(b.Chosen.Classes, b.Spec.Actions),
                Model = b.Chosen.Model,
                After = b.Spec.After,
                When = b.When.ToEquatableArray(),
                Input = b.Spec.Input,
            }).ToEquatableArray(),
        },
        Flow = spec.Flow,
    };

    private static Emitters.Report.ReportFacts Facts(Built b, IReadOnlyList<string> files)
    {
        var e = b.Explored;
        var chosen = e.Exploration.Chosen.Outcome.Candidate;
        return new Emitters.Report.ReportFacts(e.Objective, chosen, e.Exploration.Trials.Select(t => t.Outcome.Candidate).ToList(), e.Fit.Rows, e.Validation.Rows,
            b.Data.Test.Rows, b.Data.TestIsHoldout, b.Data.Notes.Concat(e.ValidationNotes).ToList(), files)
        {
            Exploration = e.Exploration,
            TestConfusion = Compilation.Confusion(b.Chosen, b.Data.Test),
        };
    }

    /// <summary>The model in the combined decision on the test rows: how often it runs, and how often right where the label has one of its classes.</summary>
    private static ScheduleDecisionFacts Combined(IReadOnlyList<int[]> decisions, int m, Built b, LoadedData data)
    {
        var test = data.Test;
        int runs = 0, labelled = 0, right = 0;
        for (int r = 0; r < test.Rows; r++)
        {
            int decided = decisions[r][m];
            if (decided == ReferenceInterpreter.NotRun) continue;
            runs++;
            int truth = b.ClassOf(data.Classes[test.Classes[r]].Name);
            if (truth < 0) continue;
            labelled++;
            if (truth == decided) right++;
        }
        return new ScheduleDecisionFacts(test.Rows, runs, b.Runs[1].Count(x => x), labelled, right);
    }
}
