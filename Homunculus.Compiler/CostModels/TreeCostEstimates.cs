using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// Estimates for tree models (docs/targets.md), kept apart from the network estimates of each target.
/// Simple by design: they count comparisons and levels, not the placement a real compiler would find.
/// </summary>
internal static class TreeCostEstimates
{
    /// <summary>Splits per level of a tree (level 0 = the root).</summary>
    public static IReadOnlyList<int> SplitsPerLevel(DecisionTree tree)
    {
        var counts = new List<int>();
        if (tree.Nodes.Count == 0) return counts;
        var level = new int[tree.Nodes.Count];
        for (int i = 0; i < tree.Nodes.Count; i++)
        {
            while (counts.Count <= level[i]) counts.Add(0);
            counts[level[i]]++;
            foreach (int child in new[] { tree.Nodes[i].Left, tree.Nodes[i].Right })
                if (child >= 0) level[child] = level[i] + 1;
        }
        return counts;
    }

    /// <summary>
    /// Taurus: every level of every tree is one CU stage whose lanes compare the level's splits with
    /// constants and mux the children (ceil(splits / lanes) CUs per level); one more CU adds the class
    /// scores and takes the argmax. Thresholds and leaf values are CU constants: no MUs. Latency, with the
    /// network model's parameters: block overhead + one hop (the fields reach the tree CUs) + deepest tree
    /// x <c>treeLevelCycles</c> + the score reduction + the argmax chain (classes - 1 comparisons, as the
    /// Spatial program writes it).
    /// </summary>
    public static (int Cus, int Mus, double Cycles) Taurus(TreeEnsembleModel model, TaurusCostModel.Grid grid)
    {
        int lanes = grid.Lanes;
        int cus = 1;
        int depth = 0;
        foreach (var tree in model.Trees)
        {
            var levels = SplitsPerLevel(tree);
            cus += levels.Sum(n => (n + lanes - 1) / lanes);
            depth = Math.Max(depth, levels.Count);
        }
        int termsPerClass = Enumerable.Range(0, model.Classes)
            .Select(c => model.Trees.Count(t => t.Leaves.Any(l => l.Class == c && l.Value != 0)) + 1)
            .DefaultIfEmpty(1).Max();
        double cycles = grid.BlockOverheadCycles + grid.HopCycles + depth * grid.TreeLevelCycles + CeilLog2(termsPerClass) + Math.Max(0, model.Classes - 1);
        return (cus, 0, cycles);
    }

    /// <summary>The Taurus figures of a tree model, with the grid's budgets (as for networks).</summary>
    public static IReadOnlyList<ResourceFigure> TaurusFigures(TreeEnsembleModel model, Spec.PlatformSpec platform, TaurusCostModel.Grid grid)
    {
        var (cus, mus, cycles) = Taurus(model, grid);
        double passes = Math.Max(1, Math.Ceiling(cus / grid.CuBudget));
        return TaurusCostModel.Figures(cus, mus, cycles, passes, grid, platform);
    }

    /// <summary>The BMv2 figures of a tree model: no multiplications (the budget still applies), comparisons, header bits.</summary>
    public static IReadOnlyList<ResourceFigure> Bmv2Figures(ModelFile file, TreeEnsembleModel model, double multiplicationBudget)
    {
        var (worst, total) = Comparisons(model);
        var figures = new List<ResourceFigure>
        {
            new ResourceFigure { Name = "multiplications per packet", Value = 0, Budget = double.IsInfinity(multiplicationBudget) ? null : multiplicationBudget, Unit = "" },
            new ResourceFigure { Name = "comparisons per packet (worst case)", Value = worst, Unit = "" },
            new ResourceFigure { Name = "comparisons in the program", Value = total, Unit = "" },
        };
        // Programs that read packet fields have no feature header.
        if (!file.ReadsPacketFields)
            figures.Add(new ResourceFigure { Name = Bmv2CostModel.HeaderBitsFigure, Value = file.Features.Sum(f => f.FieldBits) + 8, Unit = "bits" });
        return figures;
    }

    /// <summary>BMv2: comparisons a packet goes through in the worst case (the sum of the trees' depths), and in the program.</summary>
    public static (int WorstCase, int Total) Comparisons(TreeEnsembleModel model) =>
        (model.Trees.Sum(TreeInterpreter.Depth), model.Trees.Sum(t => t.Nodes.Count));

    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1));
}
