using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "naive-bayes" family (.hspec "model.naive-bayes").</summary>
/// <param name="VarianceSmoothing">Added to every per-class variance, as a fraction of the input's variance over all training rows.</param>
/// <param name="CategorySmoothing">Laplace (additive) smoothing of the per-class category counts.</param>
public sealed record NaiveBayesSettings(double VarianceSmoothing, double CategorySmoothing);

/// <summary>
/// "naive-bayes": Gaussian naive Bayes, trained by hand (ML.NET's NaiveBayes trainer only looks at whether a
/// feature is &gt; 0, so it ignores magnitudes). Per class k, over the integer inputs x of
/// <see cref="MlpFamily.InputLayout"/>: log P(k) + sum over numeric inputs of log N(x; mu, sigma^2) + sum over
/// categorical features of log P(code | k). The Gaussian term is -x^2/(2 sigma^2) + x mu/sigma^2 + constant, so
/// the score is linear in x and x^2: every numeric input is followed by its <see cref="InputTransform.Square"/>,
/// and categories are one-hot inputs whose weights are the smoothed log-likelihoods (a code unseen in training
/// lights no input and adds nothing to any class).
/// </summary>
public sealed class NaiveBayesFamily : IModelFamily
{
    public string Name => "naive-bayes";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Real("varianceSmoothing", 1e-5, 1, log: true),
        Search.Dimension.Real("categorySmoothing", 0.01, 10, log: true),
    };

    public ModelNode? Skeleton(IReadOnlyList<FeatureEncoding> features, int classes, object settings) =>
        MlpFamily.SkeletonOf(InputLayout(features), new[] { classes });

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new NaiveBayesSettings(0.01, 1.0);
        if (settings is null) return defaults;
        reader.CheckProperties(settings, new[] { "varianceSmoothing", "categorySmoothing" }, "model.naive-bayes.");
        return new NaiveBayesSettings(
            reader.Number(settings, "varianceSmoothing", 1e-9, 10, "model.naive-bayes.") ?? defaults.VarianceSmoothing,
            reader.Number(settings, "categorySmoothing", 1e-6, 100, "model.naive-bayes.") ?? defaults.CategorySmoothing);
    }

    /// <summary>The MLP's inputs, each numeric one followed by its square.</summary>
    public static IReadOnlyList<MlpInput> InputLayout(IReadOnlyList<FeatureEncoding> features)
    {
        var inputs = new List<MlpInput>();
        foreach (var input in MlpFamily.InputLayout(features))
        {
            inputs.Add(input);
            if (input.Transform != InputTransform.OneHot)
                inputs.Add(new MlpInput { Feature = input.Feature, Transform = InputTransform.Square, Base = input.Transform });
        }
        return inputs;
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (NaiveBayesSettings)settings;
        var layout = InputLayout(data.Features);
        var trainInts = MlpFamily.IntegerInputs(new MlpModel { Inputs = layout.ToEquatableArray() }, data.Train);
        int width = layout.Count;
        int classes = data.Classes.Count;
        int rows = trainInts.Length;
        var labels = data.Train.Classes;

        var count = new double[classes];
        foreach (int c in labels) count[c]++;
        // Overall variance of each numeric input, for the smoothing term.
        var overall = new double[width];
        for (int i = 0; i < width; i++)
        {
            if (layout[i].Transform != InputTransform.Identity && layout[i].Transform != InputTransform.Log2Compand) continue;
            double m = trainInts.Average(r => (double)r[i]);
            overall[i] = trainInts.Average(r => (r[i] - m) * (r[i] - m));
        }

        var layer = new OneLayer(layout, classes, new float[width], Enumerable.Repeat(1f, width).ToArray());
        for (int c = 0; c < classes; c++)
        {
            cancellation.ThrowIfCancellationRequested();
            double bias = Math.Log((count[c] + 1) / (rows + classes));
            var mine = Enumerable.Range(0, rows).Where(r => labels[r] == c).Select(r => trainInts[r]).ToList();
            for (int i = 0; i < width; i++)
            {
                var input = layout[i];
                switch (input.Transform)
                {
                    case InputTransform.Identity:
                    case InputTransform.Log2Compand:
                    {
                        double mu = mine.Count == 0 ? 0 : mine.Average(r => (double)r[i]);
                        double variance = mine.Count == 0 ? 0 : mine.Average(r => (r[i] - mu) * (r[i] - mu));
                        // A floor of 1/4 (integer inputs) keeps constant inputs finite when the data has no spread at all.
                        variance = Math.Max(variance + spec.VarianceSmoothing * overall[i], 0.25);
                        layer.Weights[c * width + i] = mu / variance;          // x
                        layer.Weights[c * width + i + 1] = -0.5 / variance;    // x^2 (the next input)
                        bias += -mu * mu / (2 * variance) - 0.5 * Math.Log(2 * Math.PI * variance);
                        break;
                    }
                    case InputTransform.OneHot:
                    {
                        var f = data.Features[input.Feature];
                        int categories = f.Categories.Count;
                        double seen = mine.Count(r => r[i] == 1);
                        layer.Weights[c * width + i] = Math.Log((seen + spec.CategorySmoothing) / (mine.Count + spec.CategorySmoothing * (categories + 1)));
                        break;
                    }
                }
            }
            layer.Biases[c] = bias;
        }
        return layer.Export(data, trainInts);
    }
}
