using Homunculus.Compiler.Training;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Bench;

/// <summary>
/// Suite 1: per application, same features, classes and constraints for every row; rows = the
/// hand-tuned baseline, every family with its defaults, random search and our search (through
/// <see cref="SearchHook"/>). Test-set weighted F1 of the fixed-point model (mean and spread over the
/// seeds), estimated resources and latency, compile time.
/// </summary>
public static class QualitySuite
{
    public static readonly string[] Families = { "dnn", "tree", "forest", "boosted", "svm", "logistic", "kmeans", "naive-bayes" };

    /// <summary>Quick mode: one seed, and settings that train in seconds (smoke test, not real numbers).</summary>
    private static JObject? QuickSettings(string algorithm, JObject? settings)
    {
        var s = (JObject?)settings?.DeepClone() ?? new JObject();
        switch (algorithm)
        {
            case "dnn": s["epochs"] = 2; break;
            case "forest": s["trees"] = 4; break;
            case "boosted": s["trees"] = 4; break;
            case "svm": s["iterations"] = 3; break;
            case "logistic": s["iterations"] = 3; break;
            case "kmeans": s["iterations"] = 10; break;
        }
        return s;
    }

    public static SuiteResult Run(RunContext context)
    {
        int[] seeds = context.Quick ? new[] { 42 } : new[] { 42, 43, 44 };
        string folder = context.NewTempFolder("quality");
        var result = new SuiteResult
        {
            Title = "Quality against hand-tuned baselines",
            Description =
            {
                $"Every row of an application compiles the same .hspec (same data, features, classes, objective and platform constraints) through `Compilation.Run` in process, changing only `algorithms` and `model.<family>`; no cache. Seeds: {string.Join(", ", seeds)} (the .hspec `seed`: validation split, initialisation, shuffling).",
                "Platforms: NSL-KDD and ISCX VPN-nonVPN: Taurus 12 x 10 at >= 1 GPkt/s and <= 500 ns, objective weighted-f1. IoT Sentinel device classification (single packets, and flows): bmv2 with its defaults (no resource limit), objective macro-f1 - the features include packet.length, which a Tofino ingress cannot read (HMC2008), and bmv2 keeps every family feasible, so its constraint differs from the Taurus applications' (the figures compare the work per packet).",
                "F1 = F1 on the test set of the fixed-point model the switch runs (the reference interpreter, bit-exact with the C# stub and the P4/Spatial programs): mean ± sample standard deviation over the seeds; weighted F1 for every application, macro F1 too where it is the objective. Resources and latency: the target's cost model's estimates (range over seeds when they differ; bmv2 has no latency estimate). Time: wall-clock seconds of one compilation (load, train, quantize, estimate, emit), mean over seeds.",
                "Δ is relative to the hand-tuned baseline's mean, on the application's objective (Homunculus reports up to +12% F1 over hand-tuned models).",
                $"Search rows: the same .hspec with `algorithms` = all 8 families, no `model` settings (so the hand-tuned network is not given to the search) and `search` = {{ trials: {SearchSuite.TrialBudget(context)}, strategy }}: ours = `bayesian` (constrained BO, the default), random = `random` (random search over the same design space; docs/search.md), same seeds, same budget. F1, resources and latency are the chosen model's; time is the whole compilation (search included). The searches are the search-efficiency suite's (run once).",
            },
        };

        var search = SearchHook.Available;
        foreach (var app in Applications.All)
        {
            var metrics = app.Metrics;
            string objective = Application.MetricName(app.Objective);
            var columns = new List<string> { "model" };
            columns.AddRange(metrics.Select(m => $"{Application.MetricName(m)} (test)"));
            columns.AddRange(new[] { $"Δ {(metrics.Count > 1 ? objective : "F1")} vs hand-tuned", "feasible", "resources (est.)", "latency (est.)", "time (s)" });
            var table = new Table($"{app.Title}", columns.ToArray());
            table.Notes.Add($"Data: {app.DataNote}.");
            table.Notes.Add($"Platform (every row): {app.PlatformNote}.");
            if (app.PacketFields)
                table.Notes.Add("Resources: the bmv2 estimates (work per packet: multiplications; for trees also the comparisons a packet goes through in the worst case and those in the program); no latency estimate on bmv2; the \"header bits\" figure is left out, as a packet-field program has no feature header.");
            var rows = new List<(string Label, string Algorithm, JObject? Settings)> { (app.Baseline.Label, app.Baseline.Algorithm, app.Baseline.Settings) };
            rows.AddRange(Families.Select(f => ($"{f} (defaults)", f, (JObject?)null)));

            // Per metric: mean and sd of the baseline; the objective's is what Δ compares.
            var baseline = metrics.ToDictionary(m => m, _ => (Mean: double.NaN, Sd: double.NaN));
            (string Label, double F1)? best = null;
            foreach (var (label, algorithm, settings) in rows)
            {
                var runs = new List<CompileOutcome>();
                foreach (int seed in seeds)
                {
                    var s = context.Quick ? QuickSettings(algorithm, settings) : settings;
                    var spec = Applications.Spec(app, algorithm, s, seed);
                    var outcome = InProcessCompiler.Compile(spec, folder, $"{app.Id}-{algorithm}-{runs.Count}-{seed}");
                    Console.WriteLine($"  {app.Id} {label} seed {seed}: {(outcome.Success ? Describe(app, outcome.FixedTest!) : outcome.Error)} ({outcome.Elapsed.TotalSeconds:F1} s)");
                    runs.Add(outcome);
                }
                var ok = runs.Where(r => r.Success).ToList();
                var cells = new List<string> { label };
                var stats = new Dictionary<string, (double Mean, double Sd)>();
                foreach (var m in metrics)
                {
                    var values = ok.Select(r => Application.Of(r.FixedTest!, m)).ToList();
                    double mean = values.Count > 0 ? values.Average() : double.NaN;
                    stats[m] = (mean, Stats.StdDev(values));
                    cells.Add(values.Count > 0 ? Fmt.Pm(mean, stats[m].Sd) + (values.Count < runs.Count ? $" ({values.Count} seeds)" : "") : "-");
                }
                double objectiveMean = stats[app.Objective].Mean;
                if (label == app.Baseline.Label)
                {
                    baseline = stats;
                    if (app.PacketFields && ok.Count > 0)
                        table.Notes.Insert(1, $"Rows (as the compiler loads them): {ok[0].Rows.Train.ToString("N0", Fmt.C)} training packets (the validation split included), {ok[0].Rows.Test.ToString("N0", Fmt.C)} test packets.");
                }
                else if (ok.Count == runs.Count && (best is null || objectiveMean > best.Value.F1)) best = (label, objectiveMean);
                string feasible = ok.Count == runs.Count ? "yes" : ok.Count == 0 ? "no: " + Short(runs.First(r => !r.Success).Error) : $"{ok.Count}/{runs.Count} seeds";
                cells.AddRange(new[]
                {
                    label == app.Baseline.Label ? "(baseline)" : Delta(objectiveMean, baseline[app.Objective].Mean),
                    feasible,
                    Resources(app, ok),
                    Latency(ok),
                    Fmt.F(runs.Average(r => r.Elapsed.TotalSeconds), 1),
                });
                table.Add(cells.ToArray());
            }

            // Search rows: the same .hspec with every family allowed, through one call (SearchHook).
            var searchStats = new Dictionary<SearchStrategy, (Dictionary<string, (double Mean, double Sd)> Metrics, double Seconds)>();
            foreach (var strategy in new[] { SearchStrategy.Random, SearchStrategy.Ours })
            {
                string label = strategy == SearchStrategy.Random ? "random search (same trial budget)" : "our search (constrained BO)";
                if (search is null)
                {
                    table.Add(new[] { label }.Concat(metrics.Select(_ => "pending: search")).Concat(Enumerable.Repeat("-", 6)).ToArray());
                    continue;
                }
                var outcomes = seeds.Select(seed => search.Run(new SearchRequest(app, strategy, SearchSuite.TrialBudget(context), seed, folder))).ToList();
                var chosen = outcomes.Where(o => o.Best?.FixedTest is not null).Select(o => o.Best!.FixedTest!).ToList();
                var stats = metrics.ToDictionary(m => m, m =>
                {
                    var values = chosen.Select(t => Application.Of(t, m)).ToList();
                    return (Mean: values.Count > 0 ? values.Average() : double.NaN, Sd: Stats.StdDev(values));
                });
                var bestModels = outcomes.Where(o => o.Best is { Success: true }).Select(o => o.Best!).ToList();
                var cells = new List<string> { label };
                cells.AddRange(metrics.Select(m => Fmt.Pm(stats[m].Mean, stats[m].Sd)));
                cells.AddRange(new[]
                {
                    Delta(stats[app.Objective].Mean, baseline[app.Objective].Mean),
                    bestModels.Count == outcomes.Count ? "yes" : $"{bestModels.Count}/{outcomes.Count} seeds",
                    Resources(app, bestModels),
                    Latency(bestModels),
                    Fmt.F(outcomes.Average(o => o.Elapsed.TotalSeconds), 1),
                });
                table.Add(cells.ToArray());
                searchStats[strategy] = (stats, outcomes.Average(o => o.Elapsed.TotalSeconds));
            }
            string seedsText = $"{seeds.Length} seed{(seeds.Length == 1 ? "" : "s")}";
            string metricsText = string.Join(" / ", metrics.Select(Application.MetricName));
            string Values(Dictionary<string, (double Mean, double Sd)> s) => string.Join(" / ", metrics.Select(m => Fmt.Pm(s[m].Mean, s[m].Sd)));
            if (searchStats.TryGetValue(SearchStrategy.Ours, out var o) && searchStats.TryGetValue(SearchStrategy.Random, out var r))
                result.Headlines.Add(new Headline(
                    $"{app.Title}: test {metricsText} (mean ± sd, {seedsText}), our search vs random search ({SearchSuite.TrialBudget(context)} trials each) vs {app.Baseline.Label}{(app.PacketFields ? " (bmv2)" : "")}",
                    $"ours {Values(o.Metrics)} ({Delta(o.Metrics[app.Objective].Mean, baseline[app.Objective].Mean)}; search {Fmt.F(o.Seconds, 1)} s) vs random {Values(r.Metrics)} ({Delta(r.Metrics[app.Objective].Mean, baseline[app.Objective].Mean)}; {Fmt.F(r.Seconds, 1)} s) vs hand-tuned {Values(baseline)}"));

            if (search is null) result.Headlines.Add(new Headline($"{app.Title}: {app.Baseline.Label}, test {objective}", Fmt.F(baseline[app.Objective].Mean)));
            if (best is { } b)
                result.Headlines.Add(new Headline($"{app.Title}: best fixed family with defaults{(metrics.Count > 1 ? $" (test {objective})" : "")}", $"{b.Label}: {Fmt.F(b.F1)} ({Delta(b.F1, baseline[app.Objective].Mean)})"));
            if (search is null)
                result.Headlines.Add(new Headline($"{app.Title}: our search", "pending: search"));
            result.Tables.Add(table);
        }
        return result;
    }

    private static string Describe(Application app, Metrics test) =>
        string.Join(", ", app.Metrics.Select(m => $"{Application.MetricName(m)} {Fmt.F(Application.Of(test, m))}"));

    /// <summary>"HMC2003: the model does not fit taurus (forest): estimated X is V, the budget is B" -> "X V (budget B)".</summary>
    private static string Short(string? error) =>
        error is null ? "failed" : System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(error, @"HMC2003: the model does not fit [^:]+: ", ""),
            @"estimated (.+?) is (.+?), the budget is (.+?)(?= / |$)", "$1 $2 (budget $3)").Replace(" / ", "; ");

    public static string Delta(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline == 0 ? "-" : ((value - baseline) / baseline * 100).ToString("+0.0;-0.0;0.0", Fmt.C) + "%";

    /// <summary>
    /// The cost model's resource figures (not latency or throughput), as ranges over the runs. For a
    /// packet-field application the bmv2 "header bits" figure is left out: such a program has no feature
    /// header (docs/packet-features.md; the bmv2 estimate omits it for networks but still lists it for trees).
    /// </summary>
    public static string Resources(Application app, IReadOnlyList<CompileOutcome> runs) =>
        Figures(runs, f => !IsLatency(f) && !f.Name.Contains("throughput", StringComparison.OrdinalIgnoreCase)
            && !(app.PacketFields && f.Name == "header bits"));

    public static string Latency(IReadOnlyList<CompileOutcome> runs) => Figures(runs, IsLatency);

    private static bool IsLatency(ResourceFigure f) => f.Name.Contains("latency", StringComparison.OrdinalIgnoreCase);

    /// <summary>"value unit" per figure (unitless figures, as bmv2's counts: "value name"); a range over the runs that have the figure.</summary>
    private static string Figures(IReadOnlyList<CompileOutcome> runs, Func<ResourceFigure, bool> which)
    {
        if (runs.Count == 0) return "-";
        var names = runs.SelectMany(r => r.Figures).Where(which).Select(f => f.Name).Distinct().ToList();
        var parts = new List<string>();
        foreach (var name in names)
        {
            var values = runs.Select(r => r.Figures.FirstOrDefault(f => f.Name == name)).Where(f => f is not null).ToList();
            double lo = values.Min(f => f!.Value), hi = values.Max(f => f!.Value);
            string unit = string.IsNullOrEmpty(values[0]!.Unit) ? values[0]!.Name : values[0]!.Unit;
            string v = lo == hi ? Num(lo) : $"{Num(lo)}-{Num(hi)}";
            parts.Add($"{v} {unit}{(values.Count < runs.Count ? $" ({values.Count} of {runs.Count} seeds)" : "")}");
        }
        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }

    private static string Num(double v) => v == Math.Round(v) ? v.ToString("0", Fmt.C) : v.ToString("0.##", Fmt.C);
}

public static class Stats
{
    public static double StdDev(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        if (sorted.Count == 0) return double.NaN;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
