using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// BMv2 simple_switch, the software switch: no resource limits beyond what the program declares.
/// Reports the work per packet so programs can be compared; budgets apply only when the .hspec sets them.
/// </summary>
public sealed class Bmv2CostModel : CostModel
{
    public override string Target => "bmv2";

    public override IReadOnlyDictionary<string, double> Defaults { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["multiplications"] = double.PositiveInfinity,
    };

    public override string? CannotRun(string algorithm) => null;

    public override string? CannotReadField(string field) => null;

    public override IEnumerable<(string Property, string Reason)> CannotKeepFlows(FlowSettings flow) => [];

    public const string HeaderBitsFigure = "header bits";

    /// <summary>The models' work adds up; the feature header is shared (every feature once) with one result byte per model.</summary>
    public override IReadOnlyList<ResourceFigure> EstimateSchedule(ModelFile file, PlatformSpec platform) =>
        base.EstimateSchedule(file, platform).Select(f => f.Name == HeaderBitsFigure
            ? f with { Value = file.Features.Sum(x => x.FieldBits) + 8 * Schedules.Of(file)!.Models.Count }
            : f).ToList();

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform)
    {
        if (model.Model is TreeEnsembleModel trees) return TreeCostEstimates.Bmv2Figures(model, trees, Parameter(platform, "multiplications"));
        if (model.Model is not MlpModel mlp) throw new NotSupportedException(model.Model.Kind);
        int multiplications = 0;
        for (int l = 0; l < mlp.Layers.Count; l++)
        {
            var layer = mlp.Layers[l];
            for (int i = 0; i < layer.Inputs; i++)
            {
                if (l == 0 && mlp.Inputs[i].Transform == InputTransform.OneHot) continue;
                for (int j = 0; j < layer.Outputs; j++)
                    if (layer.Weight(j, i) != 0) multiplications++;
            }
        }
        // Squared inputs (naive Bayes): one multiplication each per packet, computed once per feature value.
        multiplications += mlp.Inputs.Where(i => i.Transform == InputTransform.Square).Select(i => (i.Feature, i.Base)).Distinct().Count();
        double budget = Parameter(platform, "multiplications");
        var multiplicationFigure = new ResourceFigure { Name = "multiplications per packet", Value = multiplications, Budget = double.IsInfinity(budget) ? null : budget, Unit = "" };
        if (model.ReadsPacketFields) return new[] { multiplicationFigure };   // no feature header
        return new[]
        {
            multiplicationFigure,
            new ResourceFigure { Name = HeaderBitsFigure, Value = model.Features.Sum(f => f.FieldBits) + 8, Unit = "bits" },
        };
    }
}
