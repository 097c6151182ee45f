using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>Models shaped like the one-layer families: outputs mapped to classes (k-means) and squared inputs (naive Bayes).</summary>
internal static partial class EmitterTestModels
{
    private static MlpInput Squared(int feature, InputTransform baseTransform) =>
        new MlpInput { Feature = feature, Transform = InputTransform.Square, Base = baseTransform };

    /// <summary>k-means shape: 6 clusters (outputs) mapped to 3 classes, one layer, no activation.</summary>
    public static ModelFile ClusterClasses()
    {
        // Centroids (companded pkt len, ttl): score = 2 c.x - |c|^2, plus small one-hot terms.
        var centroids = new[] { (10, 30), (40, 64), (70, 128), (100, 200), (20, 250), (120, 10) };
        var oneHot = Values(6 * 4, -40, 40, 41u);
        var weights = new int[6 * 6];
        var biases = new int[6];
        for (int j = 0; j < 6; j++)
        {
            var (len, ttl) = centroids[j];
            weights[j * 6] = 2 * len;
            weights[j * 6 + 1] = 2 * ttl;
            for (int code = 0; code < 4; code++) weights[j * 6 + 2 + code] = oneHot[j * 4 + code];
            biases[j] = -(len * len + ttl * ttl);
        }
        var layer = new DenseLayer
        {
            Inputs = 6,
            Outputs = 6,
            Weights = weights.ToEquatableArray(),
            Biases = biases.ToEquatableArray(),
            Activation = Activation.None,
            AccumulatorScale = 1.0,
        };
        return new ModelFile
        {
            Name = "cluster classes",
            SpecFile = "clusters.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "kmeans",
            Features = EquatableArray.From(
                Integer("pkt len", 16, 65535),
                Integer("ttl", 8, 255),
                Categorical("proto", "icmp", "tcp", "udp")),
            Classes = EquatableArray.From(Class("benign"), Class("scan"), Class("flood")),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    In(0, InputTransform.Log2Compand),
                    In(1, InputTransform.Identity),
                    In(2, InputTransform.OneHot, 0),
                    In(2, InputTransform.OneHot, 1),
                    In(2, InputTransform.OneHot, 2),
                    In(2, InputTransform.OneHot, 3)),
                Layers = EquatableArray.From(layer),
                OutputClasses = EquatableArray.From(0, 1, 2, 1, 0, 2),
            },
            Platform = new PlatformInfo { Target = "taurus" },
        };
    }

    /// <summary>
    /// Naive-Bayes shape: every numeric input followed by its square (identity and companded bases); the 16-bit
    /// identity square wraps in 32 bits for large values, which every lowering must reproduce.
    /// </summary>
    public static ModelFile BayesClasses()
    {
        var layer = Layer(8, 3, 51u, Activation.None);
        // Squares are large: small weights on them keep the classes competitive.
        var weights = layer.Weights.ToArray();
        foreach (int i in new[] { 1, 3, 7 })
            for (int j = 0; j < 3; j++) weights[j * 8 + i] = (weights[j * 8 + i] % 3) - 1 + j;
        layer = layer with { Weights = weights.ToEquatableArray() };
        return new ModelFile
        {
            Name = "bayes classes",
            SpecFile = "bayes.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "naive-bayes",
            Features = EquatableArray.From(
                Integer("bytes", 32, uint.MaxValue),
                Integer("window", 16, 65535),
                Integer("flags", 8, 255),
                Categorical("service", "dns", "http", "ssh")),
            Classes = EquatableArray.From(Class("a"), Class("b"), Class("c")),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    In(2, InputTransform.Identity),
                    Squared(2, InputTransform.Identity),
                    In(0, InputTransform.Log2Compand),
                    Squared(0, InputTransform.Log2Compand),
                    In(3, InputTransform.OneHot, 0),
                    In(3, InputTransform.OneHot, 2),
                    In(1, InputTransform.Identity),
                    Squared(1, InputTransform.Identity)),
                Layers = EquatableArray.From(layer),
            },
            Platform = new PlatformInfo { Target = "bmv2" },
        };
    }
}
