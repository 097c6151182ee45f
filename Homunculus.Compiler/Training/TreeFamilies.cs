using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "tree" family (.hspec "model.tree").</summary>
public sealed record TreeSettings
{
    public int Depth { get; init; } = 10;
    public int MinLeaf { get; init; } = 5;
    public int MaxLeaves { get; init; } = 64;
}

/// <summary>
/// The "tree" family: one multiclass CART tree (Gini) on the encoded features; each leaf gives 1 to its
/// majority class. The integer model IS the trained model (thresholds are integers of the encoded domain),
/// so the float and the fixed-point quality are equal.
/// </summary>
public sealed class TreeFamily : IModelFamily
{
    public string Name => "tree";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("depth", 1, 16),
        Search.Dimension.Int("minLeaf", 1, 64, log: true),
        Search.Dimension.Int("maxLeaves", 2, 256, log: true),
    };

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new TreeSettings();
        if (settings is null) return defaults;
        const string prefix = "model.tree.";
        reader.CheckProperties(settings, new[] { "depth", "minLeaf", "maxLeaves" }, prefix);
        return new TreeSettings
        {
            Depth = reader.Integer(settings, "depth", 1, 30, prefix) ?? defaults.Depth,
            MinLeaf = reader.Integer(settings, "minLeaf", 1, 1_000_000, prefix) ?? defaults.MinLeaf,
            MaxLeaves = reader.Integer(settings, "maxLeaves", 2, 4096, prefix) ?? defaults.MaxLeaves,
        };
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (TreeSettings)settings;
        var options = new CartOptions(spec.Depth, spec.MinLeaf, spec.MaxLeaves, 1.0);
        var rows = Enumerable.Range(0, data.Train.Rows).ToArray();
        var (nodes, leaves) = Cart.Grow(data.Train, rows, data.Classes.Count, options, new Random(seed));
        var model = new TreeEnsembleModel
        {
            Classes = data.Classes.Count,
            Bias = new int[data.Classes.Count].ToEquatableArray(),
            Trees = EquatableArray.From(Cart.ToVotingTree(nodes, leaves)),
        };
        return TreeFamilyResults.Exact(model, data);
    }
}

/// <summary>Settings of the "forest" family (.hspec "model.forest").</summary>
public sealed record ForestSettings
{
    public int Trees { get; init; } = 25;
    public int Depth { get; init; } = 8;
    public double FeatureFraction { get; init; } = 0.6;
    public int MinLeaf { get; init; } = 2;
}

/// <summary>
/// The "forest" family: a random forest of CART trees, each grown on a seeded bootstrap sample with a
/// seeded draw of the features at every split; each tree's leaf votes 1 for its majority class and the
/// class with the most votes wins (lowest index on ties). Votes are integers, so float = fixed point.
/// </summary>
public sealed class ForestFamily : IModelFamily
{
    public string Name => "forest";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("trees", 1, 40, log: true),
        Search.Dimension.Int("depth", 2, 12),
        Search.Dimension.Real("featureFraction", 0.2, 1.0),
        Search.Dimension.Int("minLeaf", 1, 32, log: true),
    };

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new ForestSettings();
        if (settings is null) return defaults;
        const string prefix = "model.forest.";
        reader.CheckProperties(settings, new[] { "trees", "depth", "featureFraction", "minLeaf" }, prefix);
        return new ForestSettings
        {
            Trees = reader.Integer(settings, "trees", 1, 500, prefix) ?? defaults.Trees,
            Depth = reader.Integer(settings, "depth", 1, 30, prefix) ?? defaults.Depth,
            FeatureFraction = reader.Number(settings, "featureFraction", 0.01, 1.0, prefix) ?? defaults.FeatureFraction,
            MinLeaf = reader.Integer(settings, "minLeaf", 1, 1_000_000, prefix) ?? defaults.MinLeaf,
        };
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (ForestSettings)settings;
        var options = new CartOptions(spec.Depth, spec.MinLeaf, int.MaxValue, spec.FeatureFraction);
        var random = new Random(seed);
        int n = data.Train.Rows;
        var trees = new List<DecisionTree>();
        for (int t = 0; t < spec.Trees; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            var sample = new int[n];
            for (int i = 0; i < n; i++) sample[i] = random.Next(n);
            var (nodes, leaves) = Cart.Grow(data.Train, sample, data.Classes.Count, options, random);
            trees.Add(Cart.ToVotingTree(nodes, leaves));
        }
        var model = new TreeEnsembleModel
        {
            Classes = data.Classes.Count,
            Bias = new int[data.Classes.Count].ToEquatableArray(),
            Trees = trees.ToEquatableArray(),
        };
        return TreeFamilyResults.Exact(model, data);
    }
}

internal static class TreeFamilyResults
{
    /// <summary>For models trained directly in integers: the float model's predictions are the model's own.</summary>
    public static FamilyResult Exact(TreeEnsembleModel model, TrainingSet data) =>
        new(model, Predict(model, data.Validation), Predict(model, data.Test));

    public static int[] Predict(TreeEnsembleModel model, Dataset data)
    {
        var predictions = new int[data.Rows];
        for (int r = 0; r < data.Rows; r++) predictions[r] = TreeInterpreter.Predict(model, data.Row(r));
        return predictions;
    }
}
