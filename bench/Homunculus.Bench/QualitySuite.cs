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
                $"Every row of an application compiles the same .hspec (same data, features, classes, objective weighted-f1, platform Taurus 12 x 10 at >= 1 GPkt/s and <= 500 ns) through `Compilation.Run` in process, changing only `algorithms` and `model.<family>`; no cache. Seeds: {string.Join(", ", seeds)} (the .hspec `seed`: validation split, initialisation, shuffling{(seeds.Length > 1 ? "" : "")}).",
                "F1 = weighted F1 on the test set of the fixed-point model the switch runs (the reference interpreter, bit-exact with the C# stub and the P4/Spatial programs): mean ± sample standard deviation over the seeds. Resources and latency: the Taurus cost model's estimates (range over seeds when they differ). Time: wall-clock seconds of one compilation (load, train, quantize, estimate, emit), mean over seeds.",
                "Δ F1 is relative to the hand-tuned baseline's mean (Homunculus reports up to +12% over hand-tuned models).",
                $"Search rows: the same .hspec with `algorithms` = all 8 families, no `model` settings (so the hand-tuned network is not given to the search) and `search` = {{ trials: {SearchSuite.TrialBudget(context)}, strategy }}: ours = `bayesian` (constrained BO, the default), random = `random` (random search over the same design space; docs/search.md), same seeds, same budget. F1, resources and latency are the chosen model's; time is the whole compilation (search included). The searches are the search-efficiency suite's (run once).",
            },
        };

        var search = SearchHook.Available;
        foreach (var app in Applications.All)
        {
            var table = new Table($"{app.Title}", "model", "weighted F1 (test)", "Δ F1 vs hand-tuned", "feasible", "resources (est.)", "latency (est.)", "time (s)");
            table.Notes.Add($"Data: {app.DataNote}.");
            var rows = new List<(string Label, string Algorithm, JObject? Settings)> { (app.Baseline.Label, app.Baseline.Algorithm, app.Baseline.Settings) };
            rows.AddRange(Families.Select(f => ($"{f} (defaults)", f, (JObject?)null)));

            double baseline = double.NaN, baselineSd = double.NaN;
            (string Label, double F1)? best = null;
            foreach (var (label, algorithm, settings) in rows)
            {
                var runs = new List<CompileOutcome>();
                foreach (int seed in seeds)
                {
                    var s = context.Quick ? QuickSettings(algorithm, settings) : settings;
                    var spec = Applications.Spec(app, algorithm, s, seed);
                    var outcome = InProcessCompiler.Compile(spec, folder, $"{app.Id}-{algorithm}-{runs.Count}-{seed}");
                    Console.WriteLine($"  {app.Id} {label} seed {seed}: {(outcome.Success ? "F1 " + Fmt.F(outcome.FixedTest!.WeightedF1) : outcome.Error)} ({outcome.Elapsed.TotalSeconds:F1} s)");
                    runs.Add(outcome);
                }
                var ok = runs.Where(r => r.Success).ToList();
                var f1 = ok.Select(r => r.FixedTest!.WeightedF1).ToList();
                double mean = f1.Count > 0 ? f1.Average() : double.NaN;
                double sd = Stats.StdDev(f1);
                if (label == app.Baseline.Label) (baseline, baselineSd) = (mean, sd);
                else if (ok.Count == runs.Count && (best is null || mean > best.Value.F1)) best = (label, mean);
                string feasible = ok.Count == runs.Count ? "yes" : ok.Count == 0 ? "no: " + Short(runs.First(r => !r.Success).Error) : $"{ok.Count}/{runs.Count} seeds";
                table.Add(
                    label,
                    f1.Count > 0 ? Fmt.Pm(mean, sd) + (f1.Count < runs.Count ? $" ({f1.Count} seeds)" : "") : "-",
                    label == app.Baseline.Label ? "(baseline)" : Delta(mean, baseline),
                    feasible,
                    Resources(ok),
                    Latency(ok),
                    Fmt.F(runs.Average(r => r.Elapsed.TotalSeconds), 1));
            }

            // Search rows: the same .hspec with every family allowed, through one call (SearchHook).
            var searchF1 = new Dictionary<SearchStrategy, (double Mean, double Sd, double Seconds)>();
            foreach (var strategy in new[] { SearchStrategy.Random, SearchStrategy.Ours })
            {
                string label = strategy == SearchStrategy.Random ? "random search (same trial budget)" : "our search (constrained BO)";
                if (search is null)
                {
                    table.Add(label, "pending: search", "-", "-", "-", "-", "-");
                    continue;
                }
                var outcomes = seeds.Select(seed => search.Run(new SearchRequest(app, strategy, SearchSuite.TrialBudget(context), seed, folder))).ToList();
                var f1 = outcomes.Where(o => o.Best?.FixedTest is not null).Select(o => o.Best!.FixedTest!.WeightedF1).ToList();
                double mean = f1.Count > 0 ? f1.Average() : double.NaN;
                var bestModels = outcomes.Where(o => o.Best is { Success: true }).Select(o => o.Best!).ToList();
                table.Add(label, Fmt.Pm(mean, Stats.StdDev(f1)), Delta(mean, baseline), bestModels.Count == outcomes.Count ? "yes" : $"{bestModels.Count}/{outcomes.Count} seeds",
                    Resources(bestModels), Latency(bestModels), Fmt.F(outcomes.Average(o => o.Elapsed.TotalSeconds), 1));
                searchF1[strategy] = (mean, Stats.StdDev(f1), outcomes.Average(o => o.Elapsed.TotalSeconds));
            }
            if (searchF1.TryGetValue(SearchStrategy.Ours, out var o) && searchF1.TryGetValue(SearchStrategy.Random, out var r))
                result.Headlines.Add(new Headline(
                    $"{app.Title}: test weighted F1 (mean ± sd, {seeds.Length} seed{(seeds.Length == 1 ? "" : "s")}), our search vs random search ({SearchSuite.TrialBudget(context)} trials each) vs {app.Baseline.Label}",
                    $"ours {Fmt.Pm(o.Mean, o.Sd)} ({Delta(o.Mean, baseline)}; search {Fmt.F(o.Seconds, 1)} s) vs random {Fmt.Pm(r.Mean, r.Sd)} ({Delta(r.Mean, baseline)}; {Fmt.F(r.Seconds, 1)} s) vs hand-tuned {Fmt.Pm(baseline, baselineSd)}"));

            if (search is null) result.Headlines.Add(new Headline($"{app.Title}: {app.Baseline.Label}, test weighted F1", Fmt.F(baseline)));
            if (best is { } b)
                result.Headlines.Add(new Headline($"{app.Title}: best fixed family with defaults", $"{b.Label}: {Fmt.F(b.F1)} ({Delta(b.F1, baseline)})"));
            if (search is null)
                result.Headlines.Add(new Headline($"{app.Title}: our search", "pending: search"));
            result.Tables.Add(table);
        }
        return result;
    }

    /// <summary>"HMC2003: the model does not fit taurus (forest): estimated X is V, the budget is B" -> "X V (budget B)".</summary>
    private static string Short(string? error) =>
        error is null ? "failed" : System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(error, @"HMC2003: the model does not fit [^:]+: ", ""),
            @"estimated (.+?) is (.+?), the budget is (.+?)(?= / |$)", "$1 $2 (budget $3)").Replace(" / ", "; ");

    public static string Delta(double value, double baseline) =>
        double.IsNaN(value) || double.IsNaN(baseline) || baseline == 0 ? "-" : ((value - baseline) / baseline * 100).ToString("+0.0;-0.0;0.0", Fmt.C) + "%";

    public static string Resources(IReadOnlyList<CompileOutcome> runs) =>
        Figures(runs, f => !IsLatency(f) && !f.Name.Contains("throughput", StringComparison.OrdinalIgnoreCase));

    public static string Latency(IReadOnlyList<CompileOutcome> runs) => Figures(runs, IsLatency);

    private static bool IsLatency(ResourceFigure f) => f.Name.Contains("latency", StringComparison.OrdinalIgnoreCase);

    private static string Figures(IReadOnlyList<CompileOutcome> runs, Func<ResourceFigure, bool> which)
    {
        if (runs.Count == 0) return "-";
        var names = runs[0].Figures.Where(which).Select(f => f.Name).ToList();
        var parts = new List<string>();
        foreach (var name in names)
        {
            var values = runs.Select(r => r.Figures.FirstOrDefault(f => f.Name == name)).Where(f => f is not null).ToList();
            double lo = values.Min(f => f!.Value), hi = values.Max(f => f!.Value);
            string unit = values[0]!.Unit;
            string v = lo == hi ? Num(lo) : $"{Num(lo)}-{Num(hi)}";
            parts.Add($"{v} {unit}");
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
