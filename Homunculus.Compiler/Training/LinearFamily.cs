using System.Collections.Generic;
using System.Threading;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "svm" and "logistic" families (.hspec "model.svm", "model.logistic").</summary>
/// <param name="Iterations">Passes over the training rows (LinearSvm: iterations; SDCA: maximum passes).</param>
/// <param name="Regularization">L2 regularization (LinearSvm: lambda; SDCA: L2 regularization).</param>
public sealed record LinearSettings(int Iterations, double Regularization);

/// <summary>
/// The linear families: "svm" (ML.NET LinearSvm, a Pegasos-style hinge-loss trainer) and "logistic" (ML.NET
/// SDCA logistic regression), trained single-threaded and seeded on standardized inputs (standardization is
/// folded into the weights by the quantizer). Two classes: one binary model; its score is output 1 against a
/// constant 0 as output 0. More classes: one-vs-rest, one binary model per class (ML.NET's own one-vs-all
/// keeps its sub-models internal), and the class with the largest score wins.
/// </summary>
public sealed class LinearFamily : IModelFamily
{
    private readonly bool _svm;

    private LinearFamily(bool svm) => _svm = svm;

    public static LinearFamily Svm { get; } = new LinearFamily(svm: true);

    public static LinearFamily Logistic { get; } = new LinearFamily(svm: false);

    public string Name => _svm ? "svm" : "logistic";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("iterations", 5, 200, log: true),
        Search.Dimension.Real("regularization", 1e-7, 1e-1, log: true),
    };

    /// <summary>One score per class (two classes: output 0 is the constant 0).</summary>
    public ModelNode? Skeleton(IReadOnlyList<FeatureEncoding> features, int classes, object settings) =>
        MlpFamily.SkeletonOf(MlpFamily.InputLayout(features), new[] { classes });

    public LinearSettings Defaults => _svm ? new LinearSettings(20, 1e-3) : new LinearSettings(30, 1e-4);

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = Defaults;
        if (settings is null) return defaults;
        string prefix = $"model.{Name}.";
        reader.CheckProperties(settings, new[] { "iterations", "regularization" }, prefix);
        return new LinearSettings(
            reader.Integer(settings, "iterations", 1, 10000, prefix) ?? defaults.Iterations,
            reader.Number(settings, "regularization", 1e-9, 100, prefix) ?? defaults.Regularization);
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (LinearSettings)settings;
        var layout = MlpFamily.InputLayout(data.Features);
        var trainInts = MlpFamily.IntegerInputs(new MlpModel { Inputs = layout.ToEquatableArray() }, data.Train);
        var (mean, std) = MlpFamily.Standardization(layout, trainInts);
        var z = MlpFamily.Standardize(trainInts, mean, std);
        int width = layout.Count;
        int classes = data.Classes.Count;

        var layer = new OneLayer(layout, classes, mean, std);
        // Two classes: output 0 stays 0, output 1 is the "class 1 against class 0" score.
        int first = classes == 2 ? 1 : 0;
        for (int c = first; c < classes; c++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (weights, bias) = TrainBinary(z, width, data.Train.Classes, c, spec, seed + c);
            for (int i = 0; i < width; i++) layer.Weights[c * width + i] = weights[i];
            layer.Biases[c] = bias;
        }
        return layer.Export(data, trainInts);
    }

    private (float[] Weights, float Bias) TrainBinary(float[] z, int width, IReadOnlyList<int> labels, int positive, LinearSettings spec, int seed)
    {
        var ml = new MLContext(seed);
        var view = OneLayer.View(ml, z, width, labels, positive);
        LinearBinaryModelParameters model;
        if (_svm)
        {
            var trainer = ml.BinaryClassification.Trainers.LinearSvm(new LinearSvmTrainer.Options
            {
                NumberOfIterations = spec.Iterations,
                Lambda = (float)spec.Regularization,
            });
            model = trainer.Fit(view).Model;
        }
        else
        {
            var trainer = ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
            {
                NumberOfThreads = 1,
                MaximumNumberOfIterations = spec.Iterations,
                L2Regularization = (float)spec.Regularization,
                Shuffle = true,
            });
            model = trainer.Fit(view).Model.SubModel;
        }
        var weights = new float[width];
        for (int i = 0; i < width; i++) weights[i] = model.Weights[i];
        return (weights, model.Bias);
    }
}
