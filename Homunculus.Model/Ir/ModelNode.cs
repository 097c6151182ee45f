namespace Homunculus.Model.Ir
{
    /// <summary>A trained, quantized model; <see cref="Kind"/> names its shape in the model file (several algorithms share a shape).</summary>
    public abstract record ModelNode
    {
        public abstract string Kind { get; }
    }

    public enum InputTransform
    {
        /// <summary>The encoded feature value itself (its encoding fits in 8 bits).</summary>
        Identity,

        /// <summary>
        /// Logarithmic companding of a wide value into 8 bits: values below 2^(m+1) pass unchanged; above,
        /// the exponent and the m bits after the leading one (m = <see cref="Compand.MantissaBits"/>).
        /// </summary>
        Log2Compand,

        /// <summary>One input per category code: 1 when the feature has that code, else 0.</summary>
        OneHot,

        /// <summary>The square of the feature's <see cref="Identity"/> or <see cref="Log2Compand"/> value
        /// (whichever the feature's width calls for; see <see cref="MlpInput.Base"/>): at most 16 bits.</summary>
        Square,
    }

    /// <summary>One input of the first layer: which feature it comes from and how.</summary>
    public sealed record MlpInput
    {
        public int Feature { get; init; }

        public InputTransform Transform { get; init; }

        /// <summary>For <see cref="InputTransform.OneHot"/>: the category code this input is 1 for.</summary>
        public int Code { get; init; }

        /// <summary>For <see cref="InputTransform.Square"/>: the transform whose value is squared (Identity or Log2Compand).</summary>
        public InputTransform Base { get; init; }
    }

    public enum Activation
    {
        None,
        Relu,
    }

    /// <summary>
    /// A fully connected layer in integers: <c>acc[j] = Biases[j] + sum_i Weights[j * Inputs + i] * x[i]</c>
    /// (32-bit wrapping). Hidden layers then apply ReLU, shift right arithmetically by <see cref="Shift"/>
    /// and clamp to <see cref="ClampMax"/>; the output layer keeps the raw accumulators.
    /// </summary>
    public sealed record DenseLayer
    {
        public int Inputs { get; init; }

        public int Outputs { get; init; }

        /// <summary>Row-major [output][input] signed integers.</summary>
        public EquatableArray<int> Weights { get; init; } = EquatableArray<int>.Empty;

        public EquatableArray<int> Biases { get; init; } = EquatableArray<int>.Empty;

        public Activation Activation { get; init; }

        public int Shift { get; init; }

        public int ClampMax { get; init; }

        /// <summary>Real value of one unit of an accumulator (input scale x weight scale); for reports.</summary>
        public double AccumulatorScale { get; init; }

        public int Weight(int output, int input) => Weights[output * Inputs + input];
    }

    /// <summary>
    /// A network of dense layers over integer inputs: the multi-layer perceptron ("dnn"), and the families
    /// that are one dense layer in integers - linear SVM and logistic regression (one score per class),
    /// k-means (argmin of squared distance = argmax of 2 c.x - |c|^2) and Gaussian naive Bayes (a score
    /// linear in x and x^2). The argmax of the last layer (lowest index on ties) picks an output; the
    /// output's class is <see cref="OutputClasses"/>[output], or the output index itself when that is empty.
    /// </summary>
    public sealed record MlpModel : ModelNode
    {
        public override string Kind => "network";

        public EquatableArray<MlpInput> Inputs { get; init; } = EquatableArray<MlpInput>.Empty;

        public EquatableArray<DenseLayer> Layers { get; init; } = EquatableArray<DenseLayer>.Empty;

        /// <summary>Class of each output of the last layer (k-means: a cluster's majority class); empty: output index = class.</summary>
        public EquatableArray<int> OutputClasses { get; init; } = EquatableArray<int>.Empty;

        public int ClassOfOutput(int output) => OutputClasses.Count == 0 ? output : OutputClasses[output];
    }
}
