using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// Taurus' MapReduce block: a checkerboard grid of compute units (CUs: SIMD lanes, a pipeline of
/// functional-unit stages, a reduction tree across the lanes) and memory units (MUs) at 1 GHz. At line
/// rate every loop is unrolled in space, one packet per cycle.
/// <para>
/// Networks (dnn and the one-layer families): per dense layer, every output (neuron, class score,
/// cluster) gets ceil(terms / lanes) CUs, where the terms are the multiplied inputs plus one per
/// one-hot feature (a lookup of a weight column in an MU, added in a lane). Latency per layer = an MU
/// read (the weight vector and the one-hot columns, read in parallel) + one hop (the layer's inputs and
/// weights reach its CUs) + the CU pipeline (map and activation stages) + the lane reduction tree
/// (one adder level per cycle) + when a neuron spans several CUs, one more hop and the tree over their
/// partial sums. The argmax rides on the output layer's reduction network (one compare-select level per
/// cycle, no extra hop); a k-means cluster's class is one more MU read. Squared inputs (naive Bayes)
/// are one more multiply stage. The block adds a fixed overhead (fields in, result out).
/// </para>
/// <para>
/// <c>hopCycles</c> and <c>blockOverheadCycles</c> are fitted (least squares on relative error) to the
/// Taurus paper's published latencies (docs/targets.md; the calibration test recomputes the fit and
/// checks the defaults and the residuals); the other figures are stated defaults. An estimate of an
/// unrolled mapping, not a placement.
/// </para>
/// </summary>
public sealed class TaurusCostModel : CostModel
{
    public override string Target => "taurus";

    public override IReadOnlyDictionary<string, double> Defaults { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["rows"] = 12,
        ["cols"] = 10,
        ["lanes"] = 16,
        ["clockGhz"] = 1,
        ["muReadCycles"] = 2,
        ["cuPipelineCycles"] = 6,
        ["hopCycles"] = 41,
        ["blockOverheadCycles"] = 13,
        ["muBytes"] = 262144,
        ["treeLevelCycles"] = 2,
    };

    public override string? CannotRun(string algorithm) => null;

    /// <summary>Why a Taurus program has no flow fields (docs/flow-features.md).</summary>
    public const string FlowReason =
        "per-flow state lives in registers of the match-action stages in front of the MapReduce block (preMATs), and the " +
        "compiler generates no program for them: the Spatial program computes on the values handed in, and a switch's " +
        "stages keep no flow table of this semantics unless a program writes one; use bmv2 or tofino";

    public override string? CannotReadField(string field) =>
        Homunculus.Model.Packets.FlowFields.Find(field) is not null ? FlowReason : base.CannotReadField(field);

    public override IEnumerable<(string Property, string Reason)> CannotKeepFlows(FlowSettings flow) =>
        new[] { ("flow", "keeps per-flow state in registers of the match-action stages in front of the MapReduce block, for which the compiler generates no program (docs/flow-features.md); use bmv2 or tofino") };

    /// <summary>The grid's parameters, resolved from defaults and <c>platform.resources</c>.</summary>
    public sealed record Grid(double Rows, double Cols, int Lanes, double ClockGhz, double MuReadCycles, double CuPipelineCycles, double HopCycles, double BlockOverheadCycles, double MuBytes, double TreeLevelCycles)
    {
        public double CuBudget => Math.Floor(Rows * Cols / 2);

        public double MuBudget => Math.Ceiling(Rows * Cols / 2);
    }

    /// <summary>
    /// What a network costs. <paramref name="HopCount"/> and <paramref name="OtherCycles"/> split the
    /// latency into the part proportional to <c>hopCycles</c> and the rest (the calibration fits the
    /// hop and the block overhead on this split): Cycles = BlockOverheadCycles + HopCount x HopCycles + OtherCycles.
    /// </summary>
    public sealed record NetworkEstimate(int Cus, int Mus, int HopCount, double OtherCycles, double Cycles, double Passes);

    public Grid Resolve(PlatformSpec platform)
    {
        double P(string name) => Parameter(platform, name);
        return new Grid(P("rows"), P("cols"), Math.Max(1, (int)P("lanes")), P("clockGhz"), P("muReadCycles"), P("cuPipelineCycles"),
            P("hopCycles"), P("blockOverheadCycles"), P("muBytes"), P("treeLevelCycles"));
    }

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform)
    {
        var grid = Resolve(platform);
        if (model.Model is TreeEnsembleModel trees) return TreeCostEstimates.TaurusFigures(trees, platform, grid);
        if (model.Model is not MlpModel mlp) throw new NotSupportedException(model.Model.Kind);
        var e = Network(mlp, grid);
        return Figures(e.Cus, e.Mus, e.Cycles, e.Passes, grid, platform);
    }

    /// <summary>The figures every Taurus estimate reports: CUs, MUs, latency and throughput against the grid and the .hspec's budgets.</summary>
    internal static ResourceFigure[] Figures(int cus, int mus, double cycles, double passes, Grid grid, PlatformSpec platform) => new[]
    {
        new ResourceFigure { Name = "compute units", Value = cus, Budget = grid.CuBudget, Unit = "CUs" },
        new ResourceFigure { Name = "memory units", Value = mus, Budget = grid.MuBudget, Unit = "MUs" },
        new ResourceFigure { Name = "latency", Value = Math.Round(cycles / grid.ClockGhz, 1), Budget = platform.LatencyNs, Unit = "ns" },
        // Line rate is one packet per cycle; a model that needs more units than the grid has is
        // time-multiplexed, and its throughput drops by that factor.
        new ResourceFigure { Name = "throughput", Value = Math.Round(grid.ClockGhz / passes, 3), Budget = platform.ThroughputGpps, Unit = "GPkt/s", AtLeast = true },
    };

    /// <summary>The estimate of a network (dnn, svm, logistic, kmeans, naive-bayes) on <paramref name="grid"/>.</summary>
    public static NetworkEstimate Network(MlpModel mlp, Grid grid)
    {
        int lanes = grid.Lanes;
        int cus = 0, mus = 0, hops = 0;
        double other = 0;
        for (int l = 0; l < mlp.Layers.Count; l++)
        {
            var layer = mlp.Layers[l];
            int multiplied = l == 0 ? mlp.Inputs.Count(i => i.Transform != InputTransform.OneHot) : layer.Inputs;
            int lookups = l == 0 ? mlp.Inputs.Where(i => i.Transform == InputTransform.OneHot).Select(i => i.Feature).Distinct().Count() : 0;
            int terms = Math.Max(1, multiplied + lookups);
            int groups = (terms + lanes - 1) / lanes;
            cus += layer.Outputs * groups;
            // Weights: 8-bit mantissas; one-hot columns and biases: 32-bit. At least one MU per layer, one per lookup.
            double bytes = layer.Outputs * (multiplied + 4.0 * (layer.Inputs - multiplied) + 4);
            mus += Math.Max(1, (int)Math.Ceiling(bytes / grid.MuBytes)) + lookups;
            hops += 1;
            other += grid.MuReadCycles + grid.CuPipelineCycles + CeilLog2(Math.Min(terms, lanes));
            if (groups > 1)
            {
                hops += 1;   // partial sums travel to the CU that adds them
                other += CeilLog2(groups);
            }
        }
        // Squared inputs (naive Bayes) are one more multiply stage of the input CUs.
        int squares = mlp.Inputs.Count(i => i.Transform == InputTransform.Square);
        if (squares > 0)
        {
            cus += (squares + lanes - 1) / lanes;
            other += 1;
        }
        other += CeilLog2(mlp.Layers.Count == 0 ? 1 : mlp.Layers[mlp.Layers.Count - 1].Outputs);   // argmax
        if (mlp.OutputClasses.Count > 0)
        {
            mus += 1;   // the output-to-class LUT (k-means)
            other += grid.MuReadCycles;
        }
        double cycles = grid.BlockOverheadCycles + hops * grid.HopCycles + other;
        double passes = Math.Max(1, Math.Max(Math.Ceiling(cus / grid.CuBudget), Math.Ceiling(mus / grid.MuBudget)));
        return new NetworkEstimate(cus, mus, hops, other, cycles, passes);
    }

    internal static int CeilLog2(int n) => n <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1));
}
