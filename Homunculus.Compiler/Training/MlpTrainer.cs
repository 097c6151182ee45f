using System.Numerics.Tensors;
using System.Threading;
using Homunculus.Compiler.Data;

namespace Homunculus.Compiler.Training;

public sealed record MlpTrainingOptions(int[] Hidden, int Epochs, double LearningRate, int BatchSize, int Seed);

/// <summary>
/// A managed MLP trainer: softmax cross-entropy, mini-batch Adam, He initialisation, seeded shuffles.
/// ML.NET has no MLP trainer and TorchSharp does not run on the supported Linux images, hence this.
/// Element-wise updates use TensorPrimitives (exact per element on any vector width); reductions are
/// scalar loops so that results are byte-identical across machines.
/// </summary>
public static class MlpTrainer
{
    private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;

    /// <param name="inputs">Row-major float inputs, <paramref name="inputWidth"/> per row.</param>
    public static MlpNetwork Train(float[] inputs, int inputWidth, int[] labels, int classes, MlpTrainingOptions options, CancellationToken cancellation)
    {
        var sizes = new int[options.Hidden.Length + 2];
        sizes[0] = inputWidth;
        options.Hidden.CopyTo(sizes, 1);
        sizes[^1] = classes;
        var net = new MlpNetwork(sizes);
        var random = new Random(options.Seed);
        Initialise(net, random);

        int layers = net.Layers;
        var gradW = new float[layers][];
        var gradB = new float[layers][];
        var adam = new AdamState[2 * layers];
        for (int l = 0; l < layers; l++)
        {
            gradW[l] = new float[net.Weights[l].Length];
            gradB[l] = new float[net.Biases[l].Length];
            adam[2 * l] = new AdamState(net.Weights[l].Length);
            adam[2 * l + 1] = new AdamState(net.Biases[l].Length);
        }
        var activations = net.NewActivations();
        var deltas = net.NewActivations();
        int rows = labels.Length;
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        int step = 0;
        float lr = (float)options.LearningRate;

        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            Splits.Shuffle(order, random);
            for (int start = 0; start < rows; start += options.BatchSize)
            {
                int end = Math.Min(rows, start + options.BatchSize);
                for (int l = 0; l < layers; l++)
                {
                    Array.Clear(gradW[l]);
                    Array.Clear(gradB[l]);
                }
                for (int b = start; b < end; b++)
                {
                    int row = order[b];
                    Array.Copy(inputs, row * inputWidth, activations[0], 0, inputWidth);
                    net.Forward(activations);
                    Backward(net, activations, deltas, labels[row], gradW, gradB);
                }
                float scale = 1f / (end - start);
                step++;
                for (int l = 0; l < layers; l++)
                {
                    TensorPrimitives.Multiply(gradW[l], scale, gradW[l]);
                    TensorPrimitives.Multiply(gradB[l], scale, gradB[l]);
                    adam[2 * l].Update(net.Weights[l], gradW[l], lr, step);
                    adam[2 * l + 1].Update(net.Biases[l], gradB[l], lr, step);
                }
            }
        }
        return net;
    }

    private static void Initialise(MlpNetwork net, Random random)
    {
        for (int l = 0; l < net.Layers; l++)
        {
            float limit = MathF.Sqrt(6f / net.Sizes[l]);
            var w = net.Weights[l];
            for (int i = 0; i < w.Length; i++) w[i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
    }

    private static void Backward(MlpNetwork net, float[][] a, float[][] delta, int label, float[][] gradW, float[][] gradB)
    {
        int layers = net.Layers;
        // Softmax cross-entropy: delta = softmax(z) - onehot(label).
        var output = a[layers];
        var d = delta[layers];
        float max = output[0];
        for (int j = 1; j < output.Length; j++) max = Math.Max(max, output[j]);
        float sum = 0;
        for (int j = 0; j < output.Length; j++)
        {
            d[j] = MathF.Exp(output[j] - max);
            sum += d[j];
        }
        for (int j = 0; j < output.Length; j++) d[j] = d[j] / sum - (j == label ? 1f : 0f);

        for (int l = layers - 1; l >= 0; l--)
        {
            int inputs = net.Sizes[l];
            var input = a[l];
            var dOut = delta[l + 1];
            var gw = gradW[l];
            var gb = gradB[l];
            for (int j = 0; j < dOut.Length; j++)
            {
                float dj = dOut[j];
                if (dj == 0) continue;
                gb[j] += dj;
                int row = j * inputs;
                for (int i = 0; i < inputs; i++) gw[row + i] += dj * input[i];
            }
            if (l == 0) break;
            var dIn = delta[l];
            var w = net.Weights[l];
            for (int i = 0; i < inputs; i++)
            {
                if (input[i] <= 0)
                {
                    dIn[i] = 0;   // ReLU gradient
                    continue;
                }
                float s = 0;
                for (int j = 0; j < dOut.Length; j++) s += w[j * inputs + i] * dOut[j];
                dIn[i] = s;
            }
        }
    }

    private sealed class AdamState
    {
        private readonly float[] _m;
        private readonly float[] _v;
        private readonly float[] _scratch;

        public AdamState(int length)
        {
            _m = new float[length];
            _v = new float[length];
            _scratch = new float[length];
        }

        public void Update(float[] parameters, float[] gradient, float lr, int step)
        {
            // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr_t m / (sqrt(v) + eps)
            TensorPrimitives.Multiply(_m, Beta1, _m);
            TensorPrimitives.Multiply(gradient, 1 - Beta1, _scratch);
            TensorPrimitives.Add(_m, _scratch, _m);
            TensorPrimitives.Multiply(gradient, gradient, _scratch);
            TensorPrimitives.Multiply(_scratch, 1 - Beta2, _scratch);
            TensorPrimitives.Multiply(_v, Beta2, _v);
            TensorPrimitives.Add(_v, _scratch, _v);
            float lrT = lr * MathF.Sqrt(1 - MathF.Pow(Beta2, step)) / (1 - MathF.Pow(Beta1, step));
            TensorPrimitives.Sqrt(_v, _scratch);
            TensorPrimitives.Add(_scratch, Epsilon, _scratch);
            TensorPrimitives.Divide(_m, _scratch, _scratch);
            TensorPrimitives.Multiply(_scratch, lrT, _scratch);
            TensorPrimitives.Subtract(parameters, _scratch, parameters);
        }
    }
}
