namespace Homunculus.Compiler.Training;

/// <summary>A trained float MLP: ReLU hidden layers, linear output (softmax only in the loss).</summary>
public sealed class MlpNetwork
{
    public MlpNetwork(int[] sizes)
    {
        Sizes = sizes;
        Weights = new float[sizes.Length - 1][];
        Biases = new float[sizes.Length - 1][];
        for (int l = 0; l < sizes.Length - 1; l++)
        {
            Weights[l] = new float[sizes[l + 1] * sizes[l]];
            Biases[l] = new float[sizes[l + 1]];
        }
    }

    /// <summary>Layer widths, inputs first, classes last.</summary>
    public int[] Sizes { get; }

    /// <summary>Per layer, row-major [output][input].</summary>
    public float[][] Weights { get; }

    public float[][] Biases { get; }

    public int Layers => Sizes.Length - 1;

    /// <summary>Forward pass; <paramref name="activations"/>[0] holds the input, the rest are filled.</summary>
    public void Forward(float[][] activations)
    {
        for (int l = 0; l < Layers; l++)
        {
            var input = activations[l];
            var output = activations[l + 1];
            int inputs = Sizes[l];
            var w = Weights[l];
            bool hidden = l < Layers - 1;
            for (int j = 0; j < output.Length; j++)
            {
                // Scalar reduction on purpose: a fixed summation order keeps training byte-identical on
                // every CPU, whatever its vector width.
                float sum = Biases[l][j];
                int row = j * inputs;
                for (int i = 0; i < inputs; i++) sum += w[row + i] * input[i];
                output[j] = hidden && sum < 0 ? 0 : sum;
            }
        }
    }

    public float[][] NewActivations()
    {
        var a = new float[Sizes.Length][];
        for (int l = 0; l < Sizes.Length; l++) a[l] = new float[Sizes[l]];
        return a;
    }

    public int Predict(float[] input, float[][] scratch)
    {
        input.CopyTo(scratch[0], 0);
        Forward(scratch);
        var output = scratch[^1];
        int best = 0;
        for (int j = 1; j < output.Length; j++)
            if (output[j] > output[best]) best = j;
        return best;
    }
}
