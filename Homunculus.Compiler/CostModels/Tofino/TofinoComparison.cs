using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.Tna;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels.Tofino;

/// <summary>Size of one mapping of a model onto Tofino: match tables, installed entries, MAU stages.</summary>
/// <param name="Entries">Entries as installed (ranges count one each for Planter's range tables; ours are ternary prefixes).</param>
/// <param name="Stages">Stages of the longest match-dependency chain, or of the stage allocation.</param>
/// <param name="LargestTableEntries">The entries of its largest table.</param>
public sealed record MappingSize(string Mapping, int Tables, long Entries, int Stages, long LargestTableEntries);

/// <summary>
/// For bench/: the same trained trees mapped our way (<see cref="TnaLowering"/> + <see cref="StageAllocator"/>)
/// and Planter's encode-based way, computed by its published algorithm rather than run: per feature, one
/// range table mapping the value to the code of its interval among the thresholds each tree uses on it
/// (a code per tree, one entry per interval of the union of the trees' thresholds); per tree, an exact table
/// over the tuple of its features' codes with one entry per combination (the product of the interval
/// counts); for more than one tree, a vote table exact on the trees' class votes with classes^trees entries.
/// Its dependency chain is feature tables -> tree tables -> vote table (3 stages, 2 for one tree).
/// Boosted trees are not majority votes, so Planter's vote table does not apply to them; the figure is
/// still computed as a vote over the trees' leaf classes for comparison's sake.
/// </summary>
public static class TofinoComparison
{
    public static (MappingSize Ours, MappingSize Planter) Compare(ModelFile model, TofinoResources? resources = null)
    {
        if (model.Model is not TreeEnsembleModel trees) throw new ArgumentException("the comparison with Planter's encode-based mapping is for tree models");
        resources ??= TofinoResources.Default;
        var lowered = TnaLowering.Lower(model, resources);
        if (lowered.Program is not { } program) throw new InvalidOperationException("no Tofino lowering: " + lowered.Problem);
        var allocation = TnaLowering.Allocate(model, program, resources);
        var ours = new MappingSize("homunculus " + program.Lowering, program.Tables.Count, program.Tables.Sum(t => (long)t.Entries.Count), allocation.StagesUsed,
            program.Tables.Select(t => (long)t.Entries.Count).DefaultIfEmpty(0).Max());
        return (ours, Planter(model, trees));
    }

    /// <summary>Planter's encode-based mapping of a tree model (see the class summary).</summary>
    public static MappingSize Planter(ModelFile model, TreeEnsembleModel trees)
    {
        int tables = 0;
        long entries = 0, largest = 0;
        var perTree = trees.Trees.Select(t => Enumerable.Range(0, model.Features.Count)
            .Select(f => t.Nodes.Where(n => n.Feature == f).Select(n => n.Threshold).Distinct().Count()).ToArray()).ToList();
        for (int f = 0; f < model.Features.Count; f++)
        {
            int union = trees.Trees.SelectMany(t => t.Nodes).Where(n => n.Feature == f).Select(n => n.Threshold).Distinct().Count();
            if (union == 0) continue;
            tables++;
            entries += union + 1;
            largest = Math.Max(largest, union + 1);
        }
        foreach (var counts in perTree)
        {
            long product = 1;
            foreach (int k in counts.Where(k => k > 0)) product = Mul(product, k + 1);
            tables++;
            entries = Saturate(entries + product);
            largest = Math.Max(largest, product);
        }
        int stages = 2;
        if (trees.Trees.Count > 1)
        {
            long votes = 1;
            for (int t = 0; t < trees.Trees.Count; t++) votes = Mul(votes, trees.Classes);
            tables++;
            entries = Saturate(entries + votes);
            largest = Math.Max(largest, votes);
            stages = 3;
        }
        return new MappingSize("planter encode-based", tables, entries, stages, largest);
    }

    private const long Cap = long.MaxValue / 4;

    private static long Mul(long a, long b) => b != 0 && a > Cap / b ? Cap : a * b;

    private static long Saturate(long v) => v < 0 || v > Cap ? Cap : v;
}
