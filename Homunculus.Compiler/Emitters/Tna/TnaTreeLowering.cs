using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.CostModels.Tofino;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Emitters.Tna;

/// <summary>
/// Trees on Tofino. Per feature, the thresholds the model uses on it (t1 &lt; ... &lt; tk, only those inside
/// the field's range: others are decided statically) cut the field into k+1 basic intervals; a ternary
/// feature table (each interval expanded to prefixes; the last interval is the default action) gives
/// either a k-bit thermometer mark (range marking, NetBeacon: interval i = i zeros then ones) or the
/// interval's index (interval codes, Planter's encode-based mapping). Per tree, a model table maps the
/// marks (ternary: ONE entry per leaf, the leaf's interval per feature is one pattern) or the codes (exact:
/// one entry per code tuple inside each leaf's box) to the tree's partial class scores. The choice is made
/// per model by the resource model (<see cref="TofinoResources"/>, default parameters). Partial scores
/// are summed in metadata and the argmax taken by <see cref="TnaScoring"/>; forests never get a vote table
/// over classes^trees. A model with one tree that depends on the packet decides in its tree table.
/// </summary>
internal static class TnaTreeLowering
{
    public const string Marking = "range marking";
    public const string Codes = "interval codes";

    /// <summary>A tree region: the leaf and, per feature, the range of basic intervals [A, B] it spans.</summary>
    private sealed record Region(int Leaf, Dictionary<int, (int A, int B)> Intervals);

    public static TnaLoweringResult Lower(ModelFile model, TreeEnsembleModel trees, TofinoResources resources)
    {
        var problems = TreeInterpreter.Problems(trees, model.Features.Count, model.Classes.Count);
        if (problems.Count > 0) return TnaLoweringResult.Fail("the tree model is malformed: " + string.Join("; ", problems), 0, 0);
        var marking = Build(model, trees, useMarks: true);
        var codes = Build(model, trees, useMarks: false);
        if (marking.Program is null) return codes.Program is null ? marking : codes;
        if (codes.Program is null) return marking;
        double costMarks = resources.Score(marking.Program), costCodes = resources.Score(codes.Program);
        var chosen = costCodes < costMarks ? codes : marking;
        var note = $"resource score (fraction of a stage's TCAM + SRAM, summed over tables): range marking {costMarks:0.###}, interval codes {costCodes:0.###}; chose {chosen.Program!.Lowering}";
        return chosen with { Program = chosen.Program with { Notes = chosen.Program.Notes.Append(note).ToList() } };
    }

    public static ulong DomainMax(FeatureEncoding f) => f.FieldBits >= 64 ? ulong.MaxValue : (1UL << f.FieldBits) - 1;

    /// <summary>Per feature, the thresholds inside the field's range (t &lt; max: x &lt;= max always holds), ascending.</summary>
    public static long[][] Thresholds(ModelFile model, TreeEnsembleModel trees)
    {
        var result = new long[model.Features.Count][];
        for (int f = 0; f < result.Length; f++)
        {
            long max = (long)DomainMax(model.Features[f]);
            result[f] = trees.Trees.SelectMany(t => t.Nodes).Where(n => n.Feature == f && n.Threshold >= 0 && n.Threshold < max)
                .Select(n => n.Threshold).Distinct().OrderBy(t => t).ToArray();
        }
        return result;
    }

    /// <summary>The reachable leaves of a tree with, per feature it tests, the basic intervals they span.</summary>
    private static List<Region> Regions(ModelFile model, DecisionTree tree, long[][] thresholds)
    {
        var regions = new List<Region>();
        if (tree.Nodes.Count == 0) { regions.Add(new Region(0, new())); return regions; }
        var bounds = new Dictionary<int, (long Lo, long Hi)>();
        Walk(0, bounds);
        return regions;

        void Walk(int child, Dictionary<int, (long Lo, long Hi)> b)
        {
            if (child < 0)
            {
                var intervals = new Dictionary<int, (int, int)>();
                foreach (var (f, (lo, hi)) in b)
                {
                    if (thresholds[f].Length == 0) continue;
                    intervals[f] = (IntervalOf(thresholds[f], lo), IntervalOf(thresholds[f], hi));
                }
                regions.Add(new Region(~child, intervals));
                return;
            }
            var n = tree.Nodes[child];
            long max = (long)DomainMax(model.Features[n.Feature]);
            var (lo0, hi0) = b.TryGetValue(n.Feature, out var r) ? r : (0L, max);
            if (Math.Min(hi0, n.Threshold) >= lo0)
                Walk(n.Left, new Dictionary<int, (long, long)>(b) { [n.Feature] = (lo0, Math.Min(hi0, n.Threshold)) });
            if (Math.Max(lo0, n.Threshold + 1) <= hi0)
                Walk(n.Right, new Dictionary<int, (long, long)>(b) { [n.Feature] = (Math.Max(lo0, n.Threshold + 1), hi0) });
        }
    }

    /// <summary>Index of the basic interval holding value v: the number of thresholds below v.</summary>
    private static int IntervalOf(long[] thresholds, long v)
    {
        int i = 0;
        while (i < thresholds.Length && thresholds[i] < v) i++;
        return i;
    }

    private static int CodeBits(int intervals) => Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(intervals - 1)));

    private static TnaLoweringResult Build(ModelFile model, TreeEnsembleModel trees, bool useMarks)
    {
        var thresholds = Thresholds(model, trees);
        var fields = new List<TnaField>();
        var tables = new List<TnaTable>();
        var steps = new List<TnaStep>();
        var notes = new List<string>();

        // Feature tables (one per feature with thresholds inside its field).
        var keyField = new string?[model.Features.Count];
        for (int f = 0; f < model.Features.Count; f++)
        {
            int k = thresholds[f].Length;
            if (k == 0) continue;
            var feature = model.Features[f];
            if (useMarks && k > 64) return TnaLoweringResult.Fail($"feature '{feature.Name}' has {k} thresholds; a range mark is at most 64 bits", k, 64);
            int bits = useMarks ? k : CodeBits(k + 1);
            string snake = Identifiers.Snake(feature.Name);
            string field = (useMarks ? "m.mark_" : "m.code_") + snake;
            keyField[f] = field;
            fields.Add(new TnaField(field, bits, useMarks ? $"feature {f}: thermometer mark over its {k} thresholds" : $"feature {f}: index of its interval among {k + 1}"));
            var action = new TnaAction((useMarks ? "set_mark_" : "set_code_") + snake, new[] { new TnaParam(useMarks ? "mark" : "code", bits) }, new[] { (field, useMarks ? "mark" : "code") });
            var entries = new List<TnaEntry>();
            ulong fullMark = MaskOf(k);
            for (int i = 0; i < k; i++)   // interval k (above the last threshold) is the default action
            {
                ulong lo = i == 0 ? 0 : (ulong)thresholds[f][i - 1] + 1, hi = (ulong)thresholds[f][i];
                ulong value = useMarks ? fullMark & ~MaskOf(i) : (ulong)i;
                foreach (var p in Prefixes.Of(lo, hi, feature.FieldBits))
                    entries.Add(new TnaEntry(new[] { p }, action.Name, new[] { value }));
            }
            tables.Add(new TnaTable(
                "range_" + snake,
                $"feature {f}: {k} threshold(s) -> {k + 1} intervals, {(useMarks ? "range marks" : "interval codes")} (ranges as ternary prefixes)",
                new[] { new TnaKey(P4FeatureTransport.FieldRef(feature), TnaMatch.Ternary, feature.FieldBits) },
                action, entries, new[] { useMarks ? 0UL : (ulong)k }) { Ranges = k });
        }

        // Bias and trees that do not depend on the packet are constants (offset binary).
        var constants = trees.Bias.Select(b => (ulong)(uint)b + TnaScoring.Offset).ToArray();
        var active = new List<(int Index, DecisionTree Tree, List<Region> Regions, int[] Features)>();
        for (int t = 0; t < trees.Trees.Count; t++)
        {
            var tree = trees.Trees[t];
            var regions = Regions(model, tree, thresholds);
            var used = regions.SelectMany(r => r.Intervals.Keys).Distinct().OrderBy(f => f).ToArray();
            if (regions.Count == 1 || used.Length == 0)
            {
                var leaf = tree.Leaves[regions[0].Leaf];
                constants[leaf.Class] += (ulong)(uint)leaf.Value;
                continue;
            }
            active.Add((t, tree, regions, used));
        }
        for (int c = 0; c < constants.Length; c++) constants[c] &= 0xFFFF_FFFFUL;

        bool direct = active.Count == 1;
        var terms = Enumerable.Range(0, trees.Classes).Select(_ => new List<string>()).ToArray();
        var biasFolded = new bool[trees.Classes];
        foreach (var (t, tree, regions, used) in active)
        {
            var keys = used.Select(f => new TnaKey(keyField[f]!, useMarks ? TnaMatch.Ternary : TnaMatch.Exact, fields.Single(x => x.Name == keyField[f]).Bits)).ToList();
            TnaAction action;
            Func<TreeLeaf, ulong[]> args;
            string what;
            if (direct)
            {
                action = new TnaAction($"decide_t{t}", new[] { new TnaParam("cls", 8) }, new[] { (P4FeatureTransport.ResultRef(model), "cls") });
                args = leaf =>
                {
                    var scores = constants.Select(c => unchecked((int)(uint)(c - TnaScoring.Offset))).ToArray();
                    scores[leaf.Class] = unchecked(scores[leaf.Class] + leaf.Value);
                    return new[] { (ulong)ReferenceInterpreter.ArgMax(scores) };
                };
                what = "the class (the only tree that depends on the packet decides, bias included)";
            }
            else
            {
                var classes = regions.Select(r => tree.Leaves[r.Leaf].Class).Distinct().OrderBy(c => c).ToArray();
                var fold = new ulong[trees.Classes];
                foreach (int c in classes)
                {
                    string field = $"m.t{t}_c{c}";
                    fields.Add(new TnaField(field, 32, $"tree {t}: partial score of class {c}"));
                    terms[c].Add(field);
                    if (!biasFolded[c]) { fold[c] = constants[c]; biasFolded[c] = true; }
                }
                action = new TnaAction($"leaf_t{t}", classes.Select(c => new TnaParam($"c{c}", 32)).ToList(), classes.Select(c => ($"m.t{t}_c{c}", $"c{c}")).ToList());
                args = leaf => classes.Select(c => ((leaf.Class == c ? (ulong)(uint)leaf.Value : 0) + fold[c]) & 0xFFFF_FFFFUL).ToArray();
                what = $"partial scores of class(es) {string.Join(", ", classes)}";
            }
            var entries = new List<TnaEntry>();
            // the last region becomes the default action: every packet reaches exactly one leaf
            for (int r = 0; r < regions.Count - 1; r++)
            {
                var region = regions[r];
                var leaf = tree.Leaves[region.Leaf];
                if (useMarks)
                {
                    var key = used.Select(f =>
                    {
                        int k = thresholds[f].Length;
                        var (a, b) = region.Intervals.TryGetValue(f, out var iv) ? iv : (0, k);
                        // bit j = [x <= t_j]: 1 for every threshold at or above the leaf's top interval, 0 below its bottom one
                        ulong ones = MaskOf(k) & ~MaskOf(b);
                        return (ones, ones | MaskOf(a));
                    }).ToList();
                    entries.Add(new TnaEntry(key, action.Name, args(leaf)));
                }
                else
                {
                    long combos = 1;
                    foreach (int f in used)
                    {
                        var (a, b) = region.Intervals.TryGetValue(f, out var iv) ? iv : (0, thresholds[f].Length);
                        combos *= b - a + 1;
                        if (combos > TnaLoweringResult.MaxEntriesPerTable) return TnaLoweringResult.Fail($"tree {t}'s interval-code table needs more than {TnaLoweringResult.MaxEntriesPerTable} entries", combos, TnaLoweringResult.MaxEntriesPerTable);
                    }
                    foreach (var tuple in Tuples(used.Select(f => region.Intervals.TryGetValue(f, out var iv) ? iv : (0, thresholds[f].Length)).ToList()))
                        entries.Add(new TnaEntry(tuple.Select((code, i) => ((ulong)code, MaskOf(keys[i].Bits))).ToList(), action.Name, args(leaf)));
                }
                if (entries.Count > TnaLoweringResult.MaxEntriesPerTable) return TnaLoweringResult.Fail($"tree {t}'s table needs more than {TnaLoweringResult.MaxEntriesPerTable} entries", entries.Count, TnaLoweringResult.MaxEntriesPerTable);
            }
            var lastLeaf = tree.Leaves[regions[^1].Leaf];
            tables.Add(new TnaTable($"tree_{t}", $"tree {t}: {regions.Count} reachable leaves -> {what}", keys, action, entries, args(lastLeaf)) { Ranges = regions.Count - 1 });
        }

        foreach (var table in tables) steps.Add(new TnaApply(table.Name));
        if (active.Count == 0)
        {
            var scores = constants.Select(c => unchecked((int)(uint)(c - TnaScoring.Offset))).ToArray();
            steps.Add(new TnaSet("result", P4FeatureTransport.ResultRef(model), TnaOperand.Const((ulong)ReferenceInterpreter.ArgMax(scores))));
            notes.Add("no tree depends on the packet: the class is a constant");
        }
        else if (!direct)
        {
            TnaScoring.Append(fields, steps, terms, constants, c => c, P4FeatureTransport.ResultRef(model));
            notes.Add($"{active.Count} trees set per-class partial scores (bias folded into the first); sums and an argmax tournament follow (no vote table over classes^trees)");
        }
        else notes.Add("one tree depends on the packet: its table writes the class directly");
        return new TnaLoweringResult(new TnaProgram
        {
            Lowering = active.Count == 0 ? "constant" : useMarks ? Marking : Codes,
            Notes = notes,
            Metadata = fields,
            Tables = tables,
            Steps = steps,
        }, null, 0, 0);
    }

    private static ulong MaskOf(int bits) => bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;

    private static IEnumerable<int[]> Tuples(IReadOnlyList<(int A, int B)> ranges)
    {
        var current = ranges.Select(r => r.A).ToArray();
        while (true)
        {
            yield return (int[])current.Clone();
            int i = ranges.Count - 1;
            while (i >= 0 && current[i] == ranges[i].B) { current[i] = ranges[i].A; i--; }
            if (i < 0) yield break;
            current[i]++;
        }
    }
}

/// <summary>A lowered program, or why none could be built (with the figure that broke a limit).</summary>
public sealed record TnaLoweringResult(TnaProgram? Program, string? Problem, long Needed, long Limit)
{
    /// <summary>The code generator's cap on one table's entries (above any stage's capacity at the default parameters).</summary>
    public const int MaxEntriesPerTable = 1 << 17;

    public static TnaLoweringResult Fail(string problem, long needed, long limit) => new(null, problem, needed, limit);
}
