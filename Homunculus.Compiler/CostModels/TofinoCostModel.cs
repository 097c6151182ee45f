using System.Collections.Generic;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// Tofino 1 (TNA): 12 MAU stages; no multiplication of two run-time values, so models must be lowered
/// to tables. The figures are the commonly cited per-pipeline ones (docs/targets.md).
/// </summary>
public sealed class TofinoCostModel : CostModel
{
    public override string Target => "tofino";

    public override IReadOnlyDictionary<string, double> Defaults { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal)
    {
        ["stages"] = 12,
        ["tablesPerStage"] = 16,
        ["sramBlocksPerStage"] = 80,
        ["tcamBlocksPerStage"] = 24,
        ["phvBits"] = 4096,
    };

    public override string? CannotRun(string algorithm) => algorithm switch
    {
        "dnn" => "Tofino cannot multiply two run-time values, and a multi-layer perceptron multiplies every hidden activation by a weight; choose taurus or bmv2, or a table-based family",
        "svm" or "logistic" => "Tofino cannot multiply two run-time values, and a linear model multiplies every input by a weight; its lookup-based lowering (one table per feature adding partial scores) is not implemented yet: choose taurus or bmv2",
        "kmeans" => "Tofino cannot multiply two run-time values, and k-means scores multiply every input by a centroid coordinate; its lookup-based lowering (one table per feature adding partial distances) is not implemented yet: choose taurus or bmv2",
        "naive-bayes" => "Tofino cannot multiply two run-time values, and Gaussian naive Bayes multiplies inputs by weights and by themselves; its lookup-based lowering (one table per feature adding log-likelihoods) is not implemented yet: choose taurus or bmv2",
        _ => null,
    };

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform) =>
        throw new NotSupportedException($"no Tofino lowering for '{model.Model.Kind}'");
}
