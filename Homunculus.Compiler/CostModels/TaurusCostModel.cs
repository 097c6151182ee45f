using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// Taurus' MapReduce block: a checkerboard grid of compute units (CUs) and memory units (MUs) at 1 GHz.
/// At line rate every loop is unrolled in space, so a dense layer needs, per neuron, enough CU lanes
/// for its multiplied inputs; one-hot inputs are lookups in MUs (a column of first-layer weights per
/// category). Latency adds per layer the CU pipeline, the reduction tree and the hop to the next unit.
/// All figures are parameters (docs/targets.md); the per-layer overhead is fitted to the Taurus paper's
/// DNN (7 inputs, 12-6-3 hidden, 2 outputs: 221 ns on a 12 x 10 grid) and is only an estimate.
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
        ["layerOverheadCycles"] = 48,
        ["blockOverheadCycles"] = 9,
        ["muBytes"] = 262144,
        ["treeLevelCycles"] = 2,
    };

    public override string? CannotRun(string algorithm) => null;

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform)
    {
        if (model.Model is TreeEnsembleModel trees) return TreeCostEstimates.TaurusFigures(trees, platform, name => Parameter(platform, name));
        if (model.Model is not MlpModel mlp) throw new NotSupportedException(model.Model.Kind);
        double units = Parameter(platform, "rows") * Parameter(platform, "cols");
        double cuBudget = Math.Floor(units / 2), muBudget = Math.Ceiling(units / 2);
        int lanes = (int)Parameter(platform, "lanes");
        double muBytes = Parameter(platform, "muBytes");

        int cus = 0, mus = 0;
        double cycles = Parameter(platform, "blockOverheadCycles");
        for (int l = 0; l < mlp.Layers.Count; l++)
        {
            var layer = mlp.Layers[l];
            int multiplied = l == 0 ? mlp.Inputs.Count(i => i.Transform != InputTransform.OneHot) : layer.Inputs;
            int lookups = l == 0 ? mlp.Inputs.Where(i => i.Transform == InputTransform.OneHot).Select(i => i.Feature).Distinct().Count() : 0;
            int groups = Math.Max(1, (multiplied + lanes - 1) / lanes);
            cus += layer.Outputs * groups;
            // Weights (1 byte each) and one-hot columns (4 bytes each) live in MUs; every layer needs at least one.
            double bytes = layer.Outputs * (multiplied + 4.0 * (layer.Inputs - multiplied));
            mus += Math.Max(1, (int)Math.Ceiling(bytes / muBytes)) + lookups;
            int reduction = CeilLog2(Math.Min(Math.Max(multiplied, 1), lanes)) + CeilLog2(groups) + (lookups > 0 ? 1 : 0);
            cycles += Parameter(platform, "layerOverheadCycles") + reduction;
        }
        // Squared inputs (naive Bayes) are multiplications of the input stage: CU lanes, and one more pipeline step.
        int squares = mlp.Inputs.Count(i => i.Transform == InputTransform.Square);
        if (squares > 0)
        {
            cus += (squares + lanes - 1) / lanes;
            cycles += 1;
        }
        cycles += CeilLog2(mlp.Layers[^1].Outputs);   // argmax
        double clock = Parameter(platform, "clockGhz");
        // A grid too small for the unrolled model must be time-multiplexed: throughput drops by that factor.
        double passes = Math.Max(1, Math.Max(Math.Ceiling(cus / cuBudget), Math.Ceiling(mus / muBudget)));
        return new[]
        {
            new ResourceFigure { Name = "compute units", Value = cus, Budget = cuBudget, Unit = "CUs" },
            new ResourceFigure { Name = "memory units", Value = mus, Budget = muBudget, Unit = "MUs" },
            new ResourceFigure { Name = "latency", Value = Math.Round(cycles / clock, 1), Budget = platform.LatencyNs, Unit = "ns" },
            new ResourceFigure { Name = "throughput", Value = Math.Round(clock / passes, 3), Budget = platform.ThroughputGpps, Unit = "GPkt/s", AtLeast = true },
        };
    }

    private static int CeilLog2(int n) => n <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1));
}
