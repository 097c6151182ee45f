using System.Globalization;
using System.Text;

namespace Homunculus.Bench;

/// <summary>
/// Suite 2: best feasible validation score against trials spent, ours vs random search, per
/// application; mean over the seeds at fixed checkpoints (table) and every trial (SVG plot).
/// </summary>
public static class SearchSuite
{
    public static int TrialBudget(RunContext context) => context.Quick ? 6 : 60;

    public static int[] Checkpoints(int budget) =>
        new[] { 1, 2, 5, 10, 20, 30, 40, 50, 60, 80, 100 }.Where(c => c <= budget).Append(budget).Distinct().ToArray();

    public static SuiteResult Run(RunContext context)
    {
        int budget = TrialBudget(context);
        int[] seeds = context.Quick ? new[] { 42 } : new[] { 42, 43, 44 };
        var result = new SuiteResult
        {
            Title = "Search efficiency: best feasible validation score against trials",
            Description =
            {
                $"Per application (the quality suite's .hspec with every family allowed, the same platform constraints as its quality rows, no `model` settings), a search of {budget} trials per seed ({string.Join(", ", seeds)}), ours (`\"strategy\": \"bayesian\"`, constrained BO) and random search (`\"strategy\": \"random\"`) with the same budget and design space, through `Compilation.Run` without a cache. Cell: best validation objective (the application's: weighted F1 for NSL-KDD and ISCX VPN-nonVPN, macro F1 for IoT Sentinel; fixed-point model, validation split) among the FEASIBLE trials so far, mean over seeds (\"-\" while no trial was feasible).",
                "Constraints: NSL-KDD and ISCX VPN-nonVPN on Taurus 12 x 10 at >= 1 GPkt/s and <= 500 ns; IoT Sentinel device classification (single packets, and flows) on bmv2 with its defaults (no resource limit, so every trial is feasible).",
                $"Both strategies draw their first points from the same seeded generator, so the first {Math.Max(4, budget / 4)} trials (ours: `initialTrials`, the default quarter of the budget) are the same for both; they part when the surrogate takes over. A trial = a trained candidate: candidates the cost model rules out from their shape before training are skipped by both and do not count.",
            },
        };
        var search = SearchHook.Available;
        if (search is null) result.Pending = SearchHook.PendingReason;

        foreach (var app in Applications.All)
        {
            string objective = Application.MetricName(app.Objective);
            var table = new Table($"{app.Title}: best feasible validation {objective} after n trials", "trials", "random search", "our search", "ours - random");
            var curves = new Dictionary<SearchStrategy, double[]>();
            if (search is not null)
            {
                string folder = context.NewTempFolder("search");
                foreach (var strategy in new[] { SearchStrategy.Random, SearchStrategy.Ours })
                {
                    var runs = seeds.Select(seed => search.Run(new SearchRequest(app, strategy, budget, seed, folder))).ToList();
                    curves[strategy] = Enumerable.Range(1, budget).Select(n => Mean(runs.Select(r => BestFeasible(r.Trials, n)))).ToArray();
                }
            }
            foreach (int n in Checkpoints(budget))
            {
                if (search is null) { table.Add(n.ToString(CultureInfo.InvariantCulture), "pending", "pending", "-"); continue; }
                double r = curves[SearchStrategy.Random][n - 1], o = curves[SearchStrategy.Ours][n - 1];
                table.Add(n.ToString(CultureInfo.InvariantCulture), Fmt.F(r), Fmt.F(o), double.IsNaN(r) || double.IsNaN(o) ? "-" : (o - r).ToString("+0.0000;-0.0000;0.0000", Fmt.C));
            }
            if (search is not null)
            {
                string svg = $"search-{app.Id}.svg";
                File.WriteAllText(Path.Combine(context.OutputFolder, svg), Plot(app.Title, objective, curves));
                table.Notes.Add($"Plot: [{svg}]({svg}).");
                double ours = curves[SearchStrategy.Ours][budget - 1], random = curves[SearchStrategy.Random][budget - 1];
                int reach = Array.FindIndex(curves[SearchStrategy.Ours], v => !double.IsNaN(v) && v >= random) + 1;
                string reached = reach > 0 ? $"; ours reaches random's {budget}-trial value after {reach} trials" : "";
                table.Notes.Add($"After {budget} trials: ours {Fmt.F(ours)}, random {Fmt.F(random)}{reached}.");
                result.Headlines.Add(new Headline($"{app.Title}: best feasible validation {(app.Objective == "weighted-f1" ? "F1" : objective)} after {budget} trials, ours vs random (mean of {seeds.Length} seed{(seeds.Length == 1 ? "" : "s")})",
                    $"{Fmt.F(ours)} vs {Fmt.F(random)} ({(ours - random).ToString("+0.0000;-0.0000;0.0000", Fmt.C)}{reached})"));
            }
            result.Tables.Add(table);
        }
        return result;
    }

    private static double BestFeasible(IReadOnlyList<SearchTrial> trials, int n)
    {
        var feasible = trials.Take(n).Where(t => t.Feasible).Select(t => t.ValidationScore).ToList();
        return feasible.Count == 0 ? double.NaN : feasible.Max();
    }

    private static double Mean(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0 ? double.NaN : list.Average();
    }

    /// <summary>A small SVG line plot of the two curves (no plotting dependency).</summary>
    private static string Plot(string title, string objective, IReadOnlyDictionary<SearchStrategy, double[]> curves)
    {
        const int W = 640, H = 400, L = 60, R = 20, T = 40, B = 50;
        var all = curves.Values.SelectMany(c => c).Where(v => !double.IsNaN(v)).ToList();
        double lo = all.Count > 0 ? all.Min() : 0, hi = all.Count > 0 ? all.Max() : 1;
        if (hi - lo < 1e-6) { lo -= 0.01; hi += 0.01; }
        int n = curves.Values.Max(c => c.Length);
        string X(int i) => (L + (W - L - R) * (n <= 1 ? 0 : (double)i / (n - 1))).ToString("F1", Fmt.C);
        string Y(double v) => (T + (H - T - B) * (1 - (v - lo) / (hi - lo))).ToString("F1", Fmt.C);
        var sb = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        // Two lines: a long application title does not fit the width with the rest.
        sb.Append($"<text x=\"{L}\" y=\"16\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        sb.Append($"<text x=\"{L}\" y=\"32\">best feasible validation {System.Security.SecurityElement.Escape(objective)} vs trials</text>\n");
        sb.Append($"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        sb.Append($"<text x=\"{L}\" y=\"{H - B + 20}\">1</text><text x=\"{W - R - 20}\" y=\"{H - B + 20}\">{n}</text><text x=\"{W / 2}\" y=\"{H - 10}\">trials</text>\n");
        sb.Append($"<text x=\"5\" y=\"{Y(hi)}\">{Fmt.F(hi)}</text><text x=\"5\" y=\"{Y(lo)}\">{Fmt.F(lo)}</text>\n");
        foreach (var (strategy, color) in new[] { (SearchStrategy.Random, "gray"), (SearchStrategy.Ours, "blue") })
        {
            if (!curves.TryGetValue(strategy, out var c)) continue;
            var points = c.Select((v, i) => (v, i)).Where(p => !double.IsNaN(p.v)).Select(p => $"{X(p.i)},{Y(p.v)}");
            sb.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(" ", points)}\"/>\n");
            sb.Append($"<text x=\"{W - R - 120}\" y=\"{(strategy == SearchStrategy.Ours ? H - B - 30 : H - B - 12)}\" fill=\"{color}\">{(strategy == SearchStrategy.Ours ? "ours (BO)" : "random")}</text>\n");
        }
        return sb.Append("</svg>\n").ToString();
    }
}
