using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Quantization;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Training;

/// <summary>The result of training one model: the quantized model and its quality before and after quantization.</summary>
public sealed record TrainedModel(ModelNode Model, Metrics FloatTest, Metrics QuantizedTest, Metrics QuantizedTrain);

/// <summary>The "dnn" family: input layout, standardization, training, quantization, evaluation.</summary>
public static class MlpFamily
{
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

    public static TrainedModel Train(LoadedData data, DnnSpec spec, int seed, CancellationToken cancellation)
    {
        var layout = InputLayout(data.Features);
        var shape = new MlpModel { Inputs = layout.ToEquatableArray() };
        int width = layout.Count;
        var trainInts = IntegerInputs(shape, data.Train);
        var (mean, std) = Standardization(layout, trainInts);
        var trainFloats = Standardize(trainInts, mean, std);

        var options = new MlpTrainingOptions(spec.Hidden.ToArray(), spec.Epochs, spec.LearningRate, spec.BatchSize, seed);
        var net = MlpTrainer.Train(trainFloats, width, data.Train.Classes, data.Classes.Count, options, cancellation);
        cancellation.ThrowIfCancellationRequested();

        var scratch = net.NewActivations();
        var input = new float[width];
        var trainPredictions = new int[data.Train.Rows];
        for (int r = 0; r < data.Train.Rows; r++)
        {
            Array.Copy(trainFloats, r * width, input, 0, width);
            trainPredictions[r] = net.Predict(input, scratch);
        }
        var quantized = MlpQuantizer.Quantize(net, layout, mean, std, trainInts, trainPredictions);

        var testInts = IntegerInputs(shape, data.Test);
        var testFloats = Standardize(testInts, mean, std);
        var floatPredictions = new int[data.Test.Rows];
        for (int r = 0; r < data.Test.Rows; r++)
        {
            Array.Copy(testFloats, r * width, input, 0, width);
            floatPredictions[r] = net.Predict(input, scratch);
        }
        var model = new ModelFile { Features = data.Features.ToEquatableArray(), Classes = data.Classes.ToEquatableArray(), Model = quantized };
        return new TrainedModel(
            quantized,
            Metrics.Compute(data.Test.Classes, floatPredictions, data.Classes.Count),
            Evaluate(model, data.Test),
            Evaluate(model, data.Train));
    }

    /// <summary>Quality of the integer model, computed by the reference interpreter.</summary>
    public static Metrics Evaluate(ModelFile model, Dataset data)
    {
        var predictions = new int[data.Rows];
        for (int r = 0; r < data.Rows; r++) predictions[r] = ReferenceInterpreter.Predict(model, data.Row(r));
        return Metrics.Compute(data.Classes, predictions, model.Classes.Count);
    }

    private static int[][] IntegerInputs(MlpModel shape, Dataset data)
    {
        var rows = new int[data.Rows][];
        for (int r = 0; r < data.Rows; r++) rows[r] = ReferenceInterpreter.MlpInputs(shape, data.Row(r));
        return rows;
    }

    private static (float[] Mean, float[] Std) Standardization(IReadOnlyList<MlpInput> layout, int[][] rows)
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

    private static float[] Standardize(int[][] rows, float[] mean, float[] std)
    {
        int width = mean.Length;
        var result = new float[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
            for (int i = 0; i < width; i++)
                result[r * width + i] = (rows[r][i] - mean[i]) / std[i];
        return result;
    }
}
