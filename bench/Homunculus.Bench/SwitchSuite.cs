using Homunculus.Compiler.CostModels.Tofino;
using Newtonsoft.Json.Linq;

namespace Homunculus.Bench;

/// <summary>
/// Suite 5: tables, entries and stages for the same trained trees, our Tofino mapping against Planter's
/// encode-based one (<see cref="TofinoComparison.Compare"/>: ours from the TNA lowering and the stage
/// allocator, Planter's computed by its published algorithm). Per application, the tree, forest and
/// boosted families with their defaults are trained once (seed 42) for Tofino at its default resources.
/// </summary>
public static class SwitchSuite
{
    public static readonly string[] TreeFamilies = { "tree", "forest", "boosted" };

    /// <summary>
    /// Tofino with its default resources (docs/tofino.md) but room for 64 stages: the models are trained
    /// whatever their size (the default boosted model needs more than 12), and both mappings are then
    /// sized at the default resources, so a stage count over 12 shows a model that would not fit.
    /// </summary>
    public static JObject TofinoPlatform() => JObject.Parse("""{ "target": "tofino", "resources": { "stages": 64 } }""");

    /// <summary>Per family: its defaults, and for the ensembles a small configuration (the defaults of forest and boosted are large).</summary>
    public static readonly (string Family, JObject? Settings)[] Models =
    {
        ("tree", null),
        ("forest", null),
        ("forest", JObject.Parse("""{ "trees": 4, "depth": 5 }""")),
        ("boosted", null),
        ("boosted", JObject.Parse("""{ "trees": 8, "leaves": 8 }""")),
    };

    public static SuiteResult Run(RunContext context)
    {
        var noLowering = new List<string>();
        const int seed = 42;
        string folder = context.NewTempFolder("switch");
        var result = new SuiteResult
        {
            Title = "Switch efficiency (Tofino): our tree mapping vs Planter's encode-based mapping",
            Description =
            {
                $"Per application (the quality suite's data and features), the tree, forest and boosted families with their defaults, trained once (seed {seed}) by `Compilation.Run` with `platform.target` tofino (64 stages allowed, so that every model trains; the mappings are then sized at the default resources: 12 stages, 16 tables, 80 SRAM and 24 TCAM blocks per stage; docs/tofino.md). The defaults of forest (25 trees) and boosted are large, so each also has a small configuration. The SAME trained model is mapped both ways by `TofinoComparison.Compare`: ours = the TNA lowering the compiler emits (ternary range-mark or interval-code feature tables, one model table per tree, partial scores, sums and the argmax) placed by its stage allocator; Planter = its encode-based mapping computed by the published algorithm, not run (one range table per feature with an entry per interval of the union of the trees' thresholds, one exact table per tree over its features' code tuples, a vote table with classes^trees entries for more than one tree; stages = the dependency chain feature -> tree -> vote).",
                "Counting conventions differ: Planter's range entries count one per range, ours are ternary prefixes (each range expanded). Boosted models are not majority votes, so Planter's vote table is a like-for-like figure only for forests; it is still computed as a vote over the trees' leaf classes. Entries are capped at about 2.3e18 (saturating).",
                "Applications: NSL-KDD and ISCX VPN-nonVPN (quick: NSL-KDD only). Not the IoT Sentinel applications: their features include packet.length, which a Tofino ingress cannot read (HMC2008), and flow state, which the Tofino code generator does not emit yet.",
            },
        };

        var apps = context.Quick ? new[] { Applications.AnomalyDetection } : Applications.Tabular.ToArray();
        foreach (var app in apps)
        {
            var table = new Table($"{app.Title}: the same trained trees, two mappings",
                "model", "ours: lowering", "ours: tables", "ours: entries", "ours: stages", "ours: largest table",
                "Planter: tables", "Planter: entries", "Planter: stages", "Planter: largest table", "entries Planter / ours");
            foreach (var (family, settings) in Models)
            {
                string label = settings is null ? $"{family} (defaults" : $"{family} ({string.Join(", ", settings.Properties().Select(p => $"{p.Name} {p.Value}"))}";
                var spec = Applications.Spec(app, family, settings, seed);
                spec["platform"] = TofinoPlatform();
                var outcome = InProcessCompiler.Compile(spec, folder, $"{app.Id}-{family}-tofino");
                if (!outcome.Success || outcome.Model is null)
                {
                    Console.WriteLine($"  {app.Id} {family}: {outcome.Error}");
                    table.Add(label + ")", "failed: " + outcome.Error, "-", "-", "-", "-", "-", "-", "-", "-", "-");
                    continue;
                }
                string shape = Shape(outcome.Model);
                var trees = (Homunculus.Model.Ir.TreeEnsembleModel)outcome.Model.Model;
                var planter = TofinoComparison.Planter(outcome.Model, trees);
                MappingSize ours;
                try { ours = TofinoComparison.Compare(outcome.Model).Ours; }
                catch (InvalidOperationException e)
                {
                    // No Tofino lowering of ours for this model: say so, still size Planter's mapping.
                    Console.WriteLine($"  {app.Id} {family} ({shape}): {e.Message}; Planter {planter.Tables} tables, {planter.Entries} entries");
                    table.Add($"{label}: {shape})", e.Message, "-", "-", "-", "-", I(planter.Tables), I(planter.Entries), I(planter.Stages), I(planter.LargestTableEntries), "-");
                    noLowering.Add($"{app.Id} {label})");
                    continue;
                }
                Console.WriteLine($"  {app.Id} {family} ({shape}): ours {ours.Tables} tables, {ours.Entries} entries, {ours.Stages} stages; Planter {planter.Tables} tables, {planter.Entries} entries, {planter.Stages} stages ({outcome.Elapsed.TotalSeconds:F1} s)");
                double ratio = (double)planter.Entries / Math.Max(1, ours.Entries);
                table.Add($"{label}: {shape})", ours.Mapping.Replace("homunculus ", ""), I(ours.Tables), I(ours.Entries), I(ours.Stages), I(ours.LargestTableEntries),
                    I(planter.Tables), I(planter.Entries), I(planter.Stages), I(planter.LargestTableEntries), Ratio(ratio));
                if (app == Applications.AnomalyDetection)
                    result.Headlines.Add(new Headline($"{app.Title}, {label}: {shape}): Tofino entries / stages, ours vs Planter's encode-based mapping",
                        $"{I(ours.Entries)} / {ours.Stages} vs {I(planter.Entries)} / {planter.Stages} (Planter / ours entries: {Ratio(ratio)})"));
            }
            table.Notes.Add($"Data: {app.DataNote}.");
            if (noLowering.Count > 0)
                table.Notes.Add("A model without a lowering of ours names the compiler's reason (TnaLowering.Lower); Planter's figures for it are computed all the same.");
            result.Tables.Add(table);
        }
        return result;
    }

    private static string Shape(Homunculus.Model.Ir.ModelFile model) =>
        model.Model is Homunculus.Model.Ir.TreeEnsembleModel trees
            ? $"{trees.Trees.Count} tree{(trees.Trees.Count == 1 ? "" : "s")}, {trees.Trees.Sum(t => t.Nodes.Count)} nodes"
            : model.Algorithm;

    private static string Ratio(double v) => v >= 1e4 ? v.ToString("0.0e0", Fmt.C) + "x" : Fmt.Ratio(v);

    private static string I(long v) => v >= long.MaxValue / 4 ? ">= 2.3e18" : v.ToString("N0", Fmt.C);
}
