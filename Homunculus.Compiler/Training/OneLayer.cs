using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Quantization;
using Homunculus.Model.Ir;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Homunculus.Compiler.Training;

/// <summary>
/// What the arithmetic families (svm, logistic, kmeans, naive-bayes) share: they are all ONE dense layer
/// of scores over the MLP's integer inputs (<see cref="MlpFamily.InputLayout"/>, plus squared inputs for
/// naive Bayes), with an argmax. A family computes real-valued scores <c>s[j] = b[j] + sum_i w[j][i] z[i]</c>
/// on inputs <c>z[i] = (x[i] - mean[i]) / std[i]</c> (mean 0 / std 1 when the weights are already in integer
/// units); <see cref="MlpQuantizer"/> folds the standardization and quantizes the layer like an MLP's output
/// layer (one shared scale, 8-bit mantissas with per-column exponents, added one-hot weights, no 32-bit
/// overflow on the training rows).
/// </summary>
public sealed class OneLayer
{
    public OneLayer(IReadOnlyList<MlpInput> inputs, int outputs, float[] mean, float[] std)
    {
        Inputs = inputs;
        Outputs = outputs;
        Mean = mean;
        Std = std;
        Weights = new double[outputs * inputs.Count];
        Biases = new double[outputs];
    }

    public IReadOnlyList<MlpInput> Inputs { get; }

    public int Width => Inputs.Count;

    public int Outputs { get; }

    public float[] Mean { get; }

    public float[] Std { get; }

    /// <summary>Row-major [output][input], on standardized inputs.</summary>
    public double[] Weights { get; }

    public double[] Biases { get; }

    /// <summary>Class of each output; null when output index = class.</summary>
    public int[]? OutputClasses { get; set; }

    /// <summary>The float model's output (argmax, lowest index on ties) for integer inputs.</summary>
    public int PredictOutput(int[] x)
    {
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int j = 0; j < Outputs; j++)
        {
            double s = Biases[j];
            for (int i = 0; i < Width; i++) s += Weights[j * Width + i] * ((x[i] - (double)Mean[i]) / Std[i]);
            if (s > bestScore)
            {
                bestScore = s;
                best = j;
            }
        }
        return best;
    }

    public int ClassOf(int output) => OutputClasses is null ? output : OutputClasses[output];

    public int[] PredictClasses(int[][] rows) => rows.Select(r => ClassOf(PredictOutput(r))).ToArray();

    /// <summary>Quantizes the layer and packages it with the float model's predictions.</summary>
    public FamilyResult Export(TrainingSet data, int[][] trainInts)
    {
        var net = new MlpNetwork(new[] { Width, Outputs });
        for (int k = 0; k < Weights.Length; k++) net.Weights[0][k] = (float)Weights[k];
        for (int j = 0; j < Outputs; j++) net.Biases[0][j] = (float)Biases[j];
        var calibration = trainInts.Select(PredictOutput).ToArray();
        var model = MlpQuantizer.Quantize(net, Inputs, Mean, Std, trainInts, calibration);
        if (OutputClasses is not null) model = model with { OutputClasses = OutputClasses.ToEquatableArray() };
        var shape = new MlpModel { Inputs = Inputs.ToEquatableArray() };
        return new FamilyResult(
            model,
            PredictClasses(MlpFamily.IntegerInputs(shape, data.Validation)),
            PredictClasses(MlpFamily.IntegerInputs(shape, data.Test)));
    }

    /// <summary>One row for ML.NET: a fixed-width feature vector and a binary label.</summary>
    private sealed class MlRow
    {
        public float[] Features { get; set; } = System.Array.Empty<float>();

        public bool Label { get; set; }
    }

    /// <summary>Standardized rows as an ML.NET data view (labels: class == <paramref name="positive"/>; -1 for none).</summary>
    public static IDataView View(MLContext ml, float[] standardized, int width, IReadOnlyList<int> classes, int positive)
    {
        int rows = classes.Count;
        var list = new List<MlRow>(rows);
        for (int r = 0; r < rows; r++)
        {
            list.Add(new MlRow { Features = standardized.AsSpan(r * width, width).ToArray(), Label = classes[r] == positive });
        }
        var schema = SchemaDefinition.Create(typeof(MlRow));
        schema[nameof(MlRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(list, schema);
    }

    /// <summary>The most frequent class of the rows (lowest index on ties).</summary>
    public static int MajorityClass(IReadOnlyList<int> classes, int count)
    {
        var counts = new int[count];
        foreach (int c in classes) counts[c]++;
        int best = 0;
        for (int c = 1; c < count; c++)
            if (counts[c] > counts[best]) best = c;
        return best;
    }
}
