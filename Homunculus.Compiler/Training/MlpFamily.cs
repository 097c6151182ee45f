using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Quantization;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "dnn" family (.hspec "model.dnn").</summary>
public sealed record MlpSettings
{
    public IReadOnlyList<int> Hidden { get; init; } = new[] { 12, 6, 3 };
    public int Epochs { get; init; } = 30;
    public double LearningRate { get; init; } = 0.003;
    public int BatchSize { get; init; } = 64;
}

/// <summary>The "dnn" family: input layout, standardization, training, quantization.</summary>
public sealed class MlpFamily : IModelFamily
{
    public string Name => "dnn";

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new MlpSettings();
        if (settings is null) return defaults;
        reader.CheckProperties(settings, new[] { "hidden", "epochs", "learningRate", "batchSize" }, "model.dnn.");
        var hidden = defaults.Hidden;
        if (settings["hidden"] is { } hiddenToken)
        {
            if (hiddenToken is JArray array && array.Count is >= 1 and <= 10)
            {
                var sizes = new List<int>();
                foreach (var h in array)
                {
                    if (reader.IntegerValue(h, "model.dnn.hidden[]", 1, 64) is int size) sizes.Add(size);
                }
                hidden = sizes;
            }
            else reader.Invalid(hiddenToken, "model.dnn.hidden", "must be an array of 1 to 10 layer sizes", 0);
        }
        return new MlpSettings
        {
            Hidden = hidden,
            Epochs = reader.Integer(settings, "epochs", 1, 10000, "model.dnn.") ?? defaults.Epochs,
            LearningRate = reader.Number(settings, "learningRate", 1e-6, 1.0, "model.dnn.") ?? defaults.LearningRate,
            BatchSize = reader.Integer(settings, "batchSize", 1, 65536, "model.dnn.") ?? defaults.BatchSize,
        };
    }

    /// <summary>Most hidden layers and neurons per layer the search tries (fixed settings allow more).</summary>
    public const int SearchLayers = 6, SearchNeurons = 32;

    /// <summary>layers, then the width of each possible layer (only the first "layers" are used), learning rate, batch size, epochs.</summary>
    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("layers", 1, SearchLayers),
    }.Concat(Enumerable.Range(1, SearchLayers).Select(i => Search.Dimension.Int("hidden" + i, 1, SearchNeurons)))
     .Concat(new[]
    {
        Search.Dimension.Real("learningRate", 1e-4, 3e-2, log: true),
        Search.Dimension.Choice("batchSize", 32, 64, 128, 256),
        Search.Dimension.Int("epochs", 5, 40),
    }).ToList();

    public JObject SettingsAt(IReadOnlyList<double> point)
    {
        int layers = (int)Space[0].Snap(point[0]);
        var hidden = new JArray(Enumerable.Range(1, layers).Select(i => (long)Space[i].Snap(point[i])));
        return new JObject
        {
            ["hidden"] = hidden,
            ["learningRate"] = Search.FamilySpaces.Value(Space[SearchLayers + 1], point[SearchLayers + 1]),
            ["batchSize"] = Search.FamilySpaces.Value(Space[SearchLayers + 2], point[SearchLayers + 2]),
            ["epochs"] = Search.FamilySpaces.Value(Space[SearchLayers + 3], point[SearchLayers + 3]),
        };
    }

    public double[] PointOf(JObject settings)
    {
        var point = Search.FamilySpaces.PointOf(Space, settings);
        if (settings["hidden"] is JArray hidden && hidden.Count > 0)
        {
            point[0] = Space[0].Snap(hidden.Count);
            for (int i = 0; i < Math.Min(hidden.Count, SearchLayers); i++)
                if (hidden[i].Type == JTokenType.Integer) point[1 + i] = Space[1 + i].Snap((double)hidden[i]);
        }
        return point;
    }

    public ModelNode? Skeleton(IReadOnlyList<FeatureEncoding> features, int classes, object settings)
    {
        var spec = (MlpSettings)settings;
        return SkeletonOf(InputLayout(features), spec.Hidden.Append(classes).ToList());
    }

    /// <summary>A network of the given layer widths with zero weights: what the cost models need before training.</summary>
    public static MlpModel SkeletonOf(IReadOnlyList<MlpInput> inputs, IReadOnlyList<int> widths, IReadOnlyList<int>? outputClasses = null)
    {
        var layers = new List<DenseLayer>();
        int previous = inputs.Count;
        for (int l = 0; l < widths.Count; l++)
        {
            bool last = l == widths.Count - 1;
            layers.Add(new DenseLayer
            {
                Inputs = previous,
                Outputs = widths[l],
                Weights = new int[previous * widths[l]].ToEquatableArray(),
                Biases = new int[widths[l]].ToEquatableArray(),
                Activation = last ? Activation.None : Activation.Relu,
                ClampMax = last ? 0 : 255,
            });
            previous = widths[l];
        }
        return new MlpModel
        {
            Inputs = inputs.ToEquatableArray(),
            Layers = layers.ToEquatableArray(),
            OutputClasses = (outputClasses ?? []).ToEquatableArray(),
        };
    }

    /// <summary>Encoded values up to this pass to the network as they are; wider ones are companded.</summary>
    public const int IdentityLimit = 255;

    public static IReadOnlyList<MlpInput> InputLayout(IReadOnlyList<FeatureEncoding> features)
    {
        var inputs = new List<MlpInput>();
        for (int f = 0; f < features.Count; f++)
        {
            var feature = features[f];
            if (feature.Kind == FeatureKind.Categorical)
            {
                // One input per known code; the unknown code lights none of them.
                for (int code = 0; code < feature.Categories.Count; code++)
                    inputs.Add(new MlpInput { Feature = f, Transform = InputTransform.OneHot, Code = code });
            }
            else
            {
                var transform = feature.Max <= IdentityLimit ? InputTransform.Identity : InputTransform.Log2Compand;
                inputs.Add(new MlpInput { Feature = f, Transform = transform });
            }
        }
        return inputs;
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (MlpSettings)settings;
        var layout = InputLayout(data.Features);
        var shape = new MlpModel { Inputs = layout.ToEquatableArray() };
        int width = layout.Count;
        var trainInts = IntegerInputs(shape, data.Train);
        var (mean, std) = Standardization(layout, trainInts);
        var trainFloats = Standardize(trainInts, mean, std);

        var options = new MlpTrainingOptions(spec.Hidden.ToArray(), spec.Epochs, spec.LearningRate, spec.BatchSize, seed);
        var net = MlpTrainer.Train(trainFloats, width, data.Train.Classes, data.Classes.Count, options, cancellation);
        cancellation.ThrowIfCancellationRequested();

        var trainPredictions = PredictFloat(net, trainFloats, width);
        var quantized = MlpQuantizer.Quantize(net, layout, mean, std, trainInts, trainPredictions);
        return new FamilyResult(
            quantized,
            PredictFloat(net, Standardize(IntegerInputs(shape, data.Validation), mean, std), width),
            PredictFloat(net, Standardize(IntegerInputs(shape, data.Test), mean, std), width));
    }

    private static int[] PredictFloat(MlpNetwork net, float[] inputs, int width)
    {
        var scratch = net.NewActivations();
        var input = new float[width];
        var predictions = new int[inputs.Length / Math.Max(1, width)];
        for (int r = 0; r < predictions.Length; r++)
        {
            Array.Copy(inputs, r * width, input, 0, width);
            predictions[r] = net.Predict(input, scratch);
        }
        return predictions;
    }

    /// <summary>The integer first-layer inputs of every row (the reference interpreter's input stage).</summary>
    public static int[][] IntegerInputs(MlpModel shape, Dataset data)
    {
        var rows = new int[data.Rows][];
        for (int r = 0; r < data.Rows; r++) rows[r] = ReferenceInterpreter.MlpInputs(shape, data.Row(r));
        return rows;
    }

    public static (float[] Mean, float[] Std) Standardization(IReadOnlyList<MlpInput> layout, int[][] rows)
    {
        int width = layout.Count;
        var mean = new float[width];
        var std = new float[width];
        for (int i = 0; i < width; i++)
        {
            if (layout[i].Transform == InputTransform.OneHot)
            {
                mean[i] = 0;
                std[i] = 1;
                continue;
            }
            double sum = 0, sumSq = 0;
            foreach (var row in rows) sum += row[i];
            double m = sum / Math.Max(1, rows.Length);
            foreach (var row in rows) sumSq += (row[i] - m) * (row[i] - m);
            double s = Math.Sqrt(sumSq / Math.Max(1, rows.Length));
            mean[i] = (float)m;
            std[i] = s > 1e-6 ? (float)s : 1f;
        }
        return (mean, std);
    }

    public static float[] Standardize(int[][] rows, float[] mean, float[] std)
    {
        int width = mean.Length;
        var result = new float[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
            for (int i = 0; i < width; i++)
                result[r * width + i] = (rows[r][i] - mean[i]) / std[i];
        return result;
    }
}
