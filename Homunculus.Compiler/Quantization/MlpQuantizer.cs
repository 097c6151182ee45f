using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Compiler.Training;

namespace Homunculus.Compiler.Quantization;

/// <summary>
/// Turns a float MLP into the integer <see cref="MlpModel"/> of the model file.
/// <list type="bullet">
/// <item>Multiplied weights have 8 significant bits: a signed mantissa |m| &lt;= 127 per weight, times a power
/// of two per input column (so inputs of very different ranges keep their precision), on a per-neuron scale.</item>
/// <item>Biases and one-hot weights are added, never multiplied: they are kept at accumulator precision.</item>
/// <item>Accumulators are 32-bit. Hidden activations are ReLU, an arithmetic right shift chosen per layer from
/// the training data (99.99th percentile), and a clamp to 8 bits (0..255).</item>
/// <item>The output layer shares one scale across classes, so its argmax is the float model's argmax up to rounding.</item>
/// <item>Each hidden layer's shift is then nudged by -1, 0 or +1, layer by layer, keeping the choice whose
/// integer model agrees most often with the float model on the training rows.</item>
/// </list>
/// </summary>
public static class MlpQuantizer
{
    public const int MantissaMax = 127;
    public const int ActivationMax = 255;
    private const int MaxColumnExponent = 12;
    private const long AccumulatorLimit = 1L << 30;

    /// <param name="net">The trained network on standardized inputs.</param>
    /// <param name="inputs">The first layer's inputs (per feature transform).</param>
    /// <param name="mean">Per input, the mean subtracted before training (0 for one-hot).</param>
    /// <param name="std">Per input, the deviation divided by before training (1 for one-hot).</param>
    /// <param name="calibration">Integer first-layer inputs of the training rows.</param>
    /// <param name="floatPredictions">The float model's class for each calibration row.</param>
    public static MlpModel Quantize(MlpNetwork net, IReadOnlyList<MlpInput> inputs, float[] mean, float[] std, IReadOnlyList<int[]> calibration, IReadOnlyList<int> floatPredictions)
    {
        var nudges = new int[net.Layers];
        var best = QuantizeWith(net, inputs, mean, std, calibration, nudges);
        int bestAgreement = Agreement(best, calibration, floatPredictions);
        for (int l = 0; l < net.Layers - 1; l++)
        {
            int chosen = 0;
            foreach (int nudge in new[] { -1, 1 })
            {
                nudges[l] = nudge;
                var candidate = QuantizeWith(net, inputs, mean, std, calibration, nudges);
                int agreement = Agreement(candidate, calibration, floatPredictions);
                if (agreement > bestAgreement)
                {
                    (best, bestAgreement, chosen) = (candidate, agreement, nudge);
                }
            }
            nudges[l] = chosen;
        }
        return best;
    }

    private static int Agreement(MlpModel model, IReadOnlyList<int[]> calibration, IReadOnlyList<int> floatPredictions)
    {
        int agree = 0;
        for (int r = 0; r < calibration.Count; r++)
        {
            int[] x = calibration[r];
            foreach (var layer in model.Layers)
            {
                var y = new int[layer.Outputs];
                for (int j = 0; j < layer.Outputs; j++)
                {
                    int acc = layer.Biases[j];
                    for (int i = 0; i < layer.Inputs; i++) acc = unchecked(acc + layer.Weights[j * layer.Inputs + i] * x[i]);
                    y[j] = ReferenceInterpreter.Activate(layer, acc);
                }
                x = y;
            }
            if (ReferenceInterpreter.ArgMax(x) == floatPredictions[r]) agree++;
        }
        return agree;
    }

    private static MlpModel QuantizeWith(MlpNetwork net, IReadOnlyList<MlpInput> inputs, float[] mean, float[] std, IReadOnlyList<int[]> calibration, int[] nudges)
    {
        int layers = net.Layers;
        var result = new List<DenseLayer>();
        // Real value of one integer unit of each input of the current layer, and whether it is multiplied.
        double[] inputScale = new double[net.Sizes[0]];
        bool[] additive = inputs.Select(i => i.Transform == InputTransform.OneHot).ToArray();
        var realWeights = new double[net.Weights[0].Length];
        var realBiases = new double[net.Biases[0].Length];
        // Fold the standardization into layer 0: w' = w / std, b' = b - sum(w * mean / std).
        for (int j = 0; j < net.Sizes[1]; j++)
        {
            double b = net.Biases[0][j];
            for (int i = 0; i < net.Sizes[0]; i++)
            {
                double w = net.Weights[0][j * net.Sizes[0] + i];
                realWeights[j * net.Sizes[0] + i] = w / std[i];
                b -= w * mean[i] / std[i];
            }
            realBiases[j] = b;
        }

        IReadOnlyList<int[]> x = calibration;
        for (int l = 0; l < layers; l++)
        {
            bool output = l == layers - 1;
            int nIn = net.Sizes[l], nOut = net.Sizes[l + 1];
            if (l > 0)
            {
                realWeights = new double[nIn * nOut];
                realBiases = new double[nOut];
                for (int j = 0; j < nOut; j++)
                {
                    realBiases[j] = net.Biases[l][j];
                    for (int i = 0; i < nIn; i++) realWeights[j * nIn + i] = net.Weights[l][j * nIn + i] * inputScale[i];
                }
                additive = new bool[nIn];
            }

            DenseLayer? layer = null;
            for (int extra = MaxColumnExponent; extra >= 0; extra--)
            {
                layer = QuantizeLayer(realWeights, realBiases, nIn, nOut, additive, output, extra, out var accScale);
                int[][] acc = Accumulate(layer, x);
                if (MaxAbs(acc) >= AccumulatorLimit && extra > 0) continue;
                if (!output)
                {
                    int shift = Math.Max(0, ChooseShift(acc) + nudges[l]);
                    layer = layer with { Activation = Activation.Relu, Shift = shift, ClampMax = ActivationMax };
                    inputScale = accScale.Select(s => s * (1L << shift)).ToArray();
                    x = acc.Select(row => row.Select(a => ReferenceInterpreter.Activate(layer, a)).ToArray()).ToArray();
                }
                break;
            }
            result.Add(layer!);
        }
        return new MlpModel { Inputs = inputs.ToEquatableArray(), Layers = result.ToEquatableArray() };
    }

    /// <param name="extra">Upper bound of the per-column exponents (lowered when accumulators would overflow).</param>
    private static DenseLayer QuantizeLayer(double[] w, double[] b, int nIn, int nOut, bool[] additive, bool shareScale, int extra, out double[] accScale)
    {
        // Per-row scale: the largest multiplied weight maps to the mantissa limit.
        var rowScale = new double[nOut];
        for (int j = 0; j < nOut; j++)
        {
            double max = 0;
            for (int i = 0; i < nIn; i++)
                if (!additive[i]) max = Math.Max(max, Math.Abs(w[j * nIn + i]));
            if (max == 0)
                for (int i = 0; i < nIn; i++) max = Math.Max(max, Math.Abs(w[j * nIn + i]));
            rowScale[j] = max > 0 ? max / MantissaMax : 1e-9;
        }
        if (shareScale)
        {
            double shared = rowScale.Max();
            for (int j = 0; j < nOut; j++) rowScale[j] = shared;
        }
        // Per-column exponent: columns whose weights are all small get a finer step (2^-e of the row scale).
        var exponent = new int[nIn];
        for (int i = 0; i < nIn; i++)
        {
            if (additive[i]) continue;
            double colMax = 0;
            for (int j = 0; j < nOut; j++) colMax = Math.Max(colMax, Math.Abs(w[j * nIn + i]) / rowScale[j]);
            exponent[i] = colMax <= 0 ? 0 : Math.Clamp((int)Math.Floor(Math.Log2(MantissaMax / colMax)), 0, extra);
        }
        int top = exponent.DefaultIfEmpty(0).Max();
        accScale = rowScale.Select(s => s / (1L << top)).ToArray();
        var weights = new int[nIn * nOut];
        var biases = new int[nOut];
        for (int j = 0; j < nOut; j++)
        {
            for (int i = 0; i < nIn; i++)
            {
                double real = w[j * nIn + i];
                if (additive[i])
                {
                    weights[j * nIn + i] = Round(real / accScale[j]);
                }
                else
                {
                    int mantissa = Math.Clamp(Round(real * (1L << exponent[i]) / rowScale[j]), -MantissaMax, MantissaMax);
                    weights[j * nIn + i] = mantissa << (top - exponent[i]);
                }
            }
            biases[j] = Round(b[j] / accScale[j]);
        }
        return new DenseLayer
        {
            Inputs = nIn,
            Outputs = nOut,
            Weights = weights.ToEquatableArray(),
            Biases = biases.ToEquatableArray(),
            Activation = Activation.None,
            AccumulatorScale = accScale.Max(),
        };
    }

    private static int[][] Accumulate(DenseLayer layer, IReadOnlyList<int[]> x)
    {
        var result = new int[x.Count][];
        var linear = layer with { Activation = Activation.None };
        for (int r = 0; r < x.Count; r++)
        {
            var row = new int[layer.Outputs];
            for (int j = 0; j < layer.Outputs; j++)
            {
                long acc = layer.Biases[j];
                for (int i = 0; i < layer.Inputs; i++) acc += (long)layer.Weights[j * layer.Inputs + i] * x[r][i];
                // Saturate here only to measure; the overflow check above rejects layers that would wrap.
                row[j] = (int)Math.Clamp(acc, int.MinValue, int.MaxValue);
            }
            result[r] = row;
        }
        return result;
    }

    private static long MaxAbs(int[][] acc)
    {
        long max = 0;
        foreach (var row in acc)
            foreach (var a in row) max = Math.Max(max, Math.Abs((long)a));
        return max;
    }

    /// <summary>The right shift that maps the 99.99th percentile of positive accumulators into 0..255.</summary>
    private static int ChooseShift(int[][] acc)
    {
        var positives = acc.SelectMany(r => r).Where(a => a > 0).Select(a => (long)a).OrderBy(a => a).ToArray();
        if (positives.Length == 0) return 0;
        long high = positives[Math.Min(positives.Length - 1, (int)Math.Floor(positives.Length * 0.9999))];
        int shift = 0;
        while ((high >> shift) > ActivationMax) shift++;
        return shift;
    }

    private static int Round(double value) =>
        (int)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), int.MinValue / 2, int.MaxValue / 2);
}
