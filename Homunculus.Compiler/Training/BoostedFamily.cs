using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Quantization;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "boosted" family (.hspec "model.boosted").</summary>
public sealed record BoostedSettings
{
    public int Trees { get; init; } = 40;
    public int Leaves { get; init; } = 16;
    public double LearningRate { get; init; } = 0.2;
    public int MinLeaf { get; init; } = 10;
}

/// <summary>
/// The "boosted" family: gradient-boosted regression trees on the logistic loss, trained by ML.NET's
/// FastTree (managed, single-threaded, seeded) on the encoded features as floats. Two classes: one model
/// whose score decides class 1 when positive. More: one model per class (one-vs-all), the class with the
/// largest score wins. Thresholds become integers of the encoded domain; leaf values and the bias are
/// quantized by <see cref="TreeQuantizer"/>.
/// </summary>
public sealed class BoostedFamily : IModelFamily
{
    public string Name => "boosted";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("trees", 4, 100, log: true),
        Search.Dimension.Int("leaves", 2, 32, log: true),
        Search.Dimension.Real("learningRate", 0.02, 0.5, log: true),
        Search.Dimension.Int("minLeaf", 1, 64, log: true),
    };

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new BoostedSettings();
        if (settings is null) return defaults;
        const string prefix = "model.boosted.";
        reader.CheckProperties(settings, new[] { "trees", "leaves", "learningRate", "minLeaf" }, prefix);
        return new BoostedSettings
        {
            Trees = reader.Integer(settings, "trees", 1, 1000, prefix) ?? defaults.Trees,
            Leaves = reader.Integer(settings, "leaves", 2, 256, prefix) ?? defaults.Leaves,
            LearningRate = reader.Number(settings, "learningRate", 1e-4, 1.0, prefix) ?? defaults.LearningRate,
            MinLeaf = reader.Integer(settings, "minLeaf", 1, 1_000_000, prefix) ?? defaults.MinLeaf,
        };
    }

    private sealed class Row
    {
        public bool Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    private sealed class Scored
    {
        public float Score { get; set; }
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (BoostedSettings)settings;
        int classes = data.Classes.Count;
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.Train.FeatureCount);

        // Two classes: one model for class 1 (class 0 scores 0). More: one model per class.
        var scoredClasses = classes == 2 ? new[] { 1 } : Enumerable.Range(0, classes).ToArray();
        var ensembles = new List<(int Class, FloatEnsemble? Ensemble)>();
        var validationScores = new float[classes][];
        var testScores = new float[classes][];
        for (int c = 0; c < classes; c++)
        {
            validationScores[c] = new float[data.Validation.Rows];
            testScores[c] = new float[data.Test.Rows];
        }
        foreach (int c in scoredClasses)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!data.Train.Classes.Any(k => k == c))
            {
                // A class absent from the training data: a constant score that never wins.
                ensembles.Add((c, null));
                Array.Fill(validationScores[c], float.MinValue);
                Array.Fill(testScores[c], float.MinValue);
                continue;
            }
            var options = new FastTreeBinaryTrainer.Options
            {
                NumberOfTrees = spec.Trees,
                NumberOfLeaves = spec.Leaves,
                LearningRate = spec.LearningRate,
                MinimumExampleCountPerLeaf = spec.MinLeaf,
                NumberOfThreads = 1,
                Seed = seed,
                LabelColumnName = nameof(Row.Label),
                FeatureColumnName = nameof(Row.Features),
            };
            var trainView = ml.Data.LoadFromEnumerable(Rows(data.Train, c), schema);
            var transformer = ml.BinaryClassification.Trainers.FastTree(options).Fit(trainView);
            var trained = transformer.Model.SubModel.TrainedTreeEnsemble;
            ensembles.Add((c, FloatEnsemble.From(trained)));
            validationScores[c] = Scores(ml, transformer, schema, Rows(data.Validation, c));
            testScores[c] = Scores(ml, transformer, schema, Rows(data.Test, c));
        }

        var model = TreeQuantizer.Quantize(classes, ensembles);
        return new FamilyResult(model, ArgMax(validationScores, data.Validation.Rows), ArgMax(testScores, data.Test.Rows));
    }

    private static IEnumerable<Row> Rows(Dataset data, int positive)
    {
        for (int r = 0; r < data.Rows; r++)
        {
            var features = new float[data.FeatureCount];
            for (int f = 0; f < features.Length; f++) features[f] = data.Encoded[r * data.FeatureCount + f];
            yield return new Row { Label = data.Classes[r] == positive, Features = features };
        }
    }

    /// <summary>The float model's raw scores (ML.NET's own evaluation: the reference for the quantized model).</summary>
    private static float[] Scores(MLContext ml, ITransformer transformer, SchemaDefinition schema, IEnumerable<Row> rows)
    {
        var view = transformer.Transform(ml.Data.LoadFromEnumerable(rows, schema));
        return ml.Data.CreateEnumerable<Scored>(view, reuseRowObject: false).Select(s => s.Score).ToArray();
    }

    /// <summary>Class per row: the largest score, lowest index on ties (class 0 scores 0 in the two-class case).</summary>
    private static int[] ArgMax(float[][] scores, int rows)
    {
        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 1; c < scores.Length; c++) if (scores[c][r] > scores[best][r]) best = c;
            result[r] = best;
        }
        return result;
    }
}

/// <summary>An ML.NET tree ensemble copied out as plain arrays: score = Bias + sum_t Weight[t] * leaf value.</summary>
public sealed record FloatEnsemble(double Bias, IReadOnlyList<FloatTree> Trees)
{
    public static FloatEnsemble From(RegressionTreeEnsemble ensemble)
    {
        var trees = new List<FloatTree>();
        for (int t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            trees.Add(new FloatTree(
                tree.NumericalSplitFeatureIndexes.ToArray(),
                tree.NumericalSplitThresholds.ToArray(),
                tree.LeftChild.ToArray(),
                tree.RightChild.ToArray(),
                tree.LeafValues.Select(v => v * ensemble.TreeWeights[t]).ToArray()));
        }
        return new FloatEnsemble(ensemble.Bias, trees);
    }
}

/// <summary>One float tree: go left when feature &lt;= threshold; a negative child c is leaf ~c; leaf values already weighted.</summary>
public sealed record FloatTree(int[] Features, float[] Thresholds, int[] Left, int[] Right, double[] LeafValues);
