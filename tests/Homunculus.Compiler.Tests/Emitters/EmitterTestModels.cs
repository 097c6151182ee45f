using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>Model files built in code for the emitter tests (every feature kind and transform).</summary>
internal static partial class EmitterTestModels
{
    public sealed record Case(string Name, ModelFile Model);

    public static IReadOnlyList<Case> All => new[]
    {
        new Case("anomaly_detector", AnomalyDetector()),
        new Case("traffic_classes", TrafficClasses()),
        new Case("hostile_names", HostileNames()),
        new Case("cluster_classes", ClusterClasses()),
        new Case("bayes_classes", BayesClasses()),
        new Case("class_actions", Actions.ActionTestModels.TrafficActions()),
    };

    public static IEnumerable<object[]> CaseNames => All.Select(c => new object[] { c.Name });

    public static ModelFile Get(string name) => All.Single(c => c.Name == name).Model;

    /// <summary>Deterministic small integers in [lo, hi] (an LCG, so the golden files never change by accident).</summary>
    private static int[] Values(int count, int lo, int hi, uint seed)
    {
        var result = new int[count];
        uint state = seed;
        for (int i = 0; i < count; i++)
        {
            state = unchecked(state * 1664525u + 1013904223u);
            result[i] = lo + (int)((state >> 8) % (uint)(hi - lo + 1));
        }
        return result;
    }

    private static DenseLayer Layer(int inputs, int outputs, uint seed, Activation activation, int shift = 0, int clampMax = 0) =>
        new DenseLayer
        {
            Inputs = inputs,
            Outputs = outputs,
            Weights = Values(inputs * outputs, -60, 60, seed).ToEquatableArray(),
            Biases = Values(outputs, -300, 300, seed ^ 0x9E3779B9u).ToEquatableArray(),
            Activation = activation,
            Shift = shift,
            ClampMax = clampMax,
            AccumulatorScale = 1.0 / 64,
        };

    private static FeatureEncoding Integer(string name, int bits, long max) =>
        new FeatureEncoding { Name = name, Kind = FeatureKind.Integer, Bits = bits, Scale = 1, Offset = 0, Max = max };

    private static FeatureEncoding Fractional(string name, int bits, long scale, long offset, long max) =>
        new FeatureEncoding { Name = name, Kind = FeatureKind.Fractional, Bits = bits, Scale = scale, Offset = offset, Max = max };

    private static FeatureEncoding Categorical(string name, params string[] categories) =>
        new FeatureEncoding
        {
            Name = name,
            Kind = FeatureKind.Categorical,
            Bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)categories.Length),
            Max = categories.Length,
            Categories = categories.OrderBy(c => c, System.StringComparer.Ordinal).ToEquatableArray(),
        };

    private static MlpInput In(int feature, InputTransform transform, int code = 0) =>
        new MlpInput { Feature = feature, Transform = transform, Code = code };

    private static ClassInfo Class(string name) => new ClassInfo { Name = name, Labels = EquatableArray.From(name) };

    /// <summary>2 classes; a 32-bit and a 16-bit companded feature, a fractional identity, a one-hot protocol.</summary>
    public static ModelFile AnomalyDetector()
    {
        var hidden = Layer(6, 4, 11u, Activation.Relu, shift: 6, clampMax: 127);
        // One large weight so that 32-bit wrapping is exercised by big companded inputs and one-hot sums.
        var weights = hidden.Weights.ToArray();
        weights[1] = -2_000_000_000;
        // Neuron 3 has mostly negative weights: a large bias keeps it alive for small inputs.
        var biases = hidden.Biases.ToArray();
        biases[3] = 4000;
        hidden = hidden with { Weights = weights.ToEquatableArray(), Biases = biases.ToEquatableArray() };
        return new ModelFile
        {
            Name = "Anomaly Detector",
            SpecFile = "anomaly.hspec",
            CompilerVersion = "0.1.0-test",
            Features = EquatableArray.From(
                Integer("src bytes", 32, uint.MaxValue),
                Integer("duration", 16, 65535),
                Fractional("error rate", 7, 100, 0, 100),
                Categorical("protocol", "icmp", "tcp", "udp")),
            Classes = EquatableArray.From(Class("normal"), Class("attack")),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    In(0, InputTransform.Log2Compand),
                    In(1, InputTransform.Log2Compand),
                    In(2, InputTransform.Identity),
                    In(3, InputTransform.OneHot, 0),
                    In(3, InputTransform.OneHot, 1),
                    In(3, InputTransform.OneHot, 2)),
                Layers = EquatableArray.From(
                    hidden,
                    Layer(4, 2, 12u, Activation.None)),
            },
            Platform = new PlatformInfo { Target = "bmv2" },
        };
    }

    /// <summary>3 classes, two hidden layers; one-hot inputs interleaved with others and a sparse code set.</summary>
    public static ModelFile TrafficClasses()
    {
        var first = Layer(7, 5, 21u, Activation.Relu, shift: 6, clampMax: 255);
        // Neuron 4 has mostly negative weights: a large bias keeps it alive for small inputs.
        first = first with { Biases = first.Biases.Select((b, j) => j == 4 ? 3000 : b).ToEquatableArray() };
        var second = Layer(5, 3, 22u, Activation.Relu, shift: 7, clampMax: 63);
        second = second with { Biases = second.Biases.Select((b, j) => j == 0 ? 6000 : j == 1 ? 3000 : b).ToEquatableArray() };
        return new ModelFile
    {
        Name = "traffic classes",
        SpecFile = "traffic.hspec",
        CompilerVersion = "0.1.0-test",
        Features = EquatableArray.From(
            Integer("pktLen", 11, 2047),
            Fractional("iat_ms", 8, 10, 5, 255),
            Categorical("service", "dns", "http", "https", "ntp", "ssh"),
            Integer("tcp flags", 8, 255)),
        Classes = EquatableArray.From(Class("video"), Class("web"), Class("iot")),
        Model = new MlpModel
        {
            Inputs = EquatableArray.From(
                In(2, InputTransform.OneHot, 4),
                In(0, InputTransform.Log2Compand),
                In(2, InputTransform.OneHot, 0),
                In(1, InputTransform.Identity),
                In(3, InputTransform.Identity),
                In(2, InputTransform.OneHot, 2),
                In(2, InputTransform.OneHot, 5)),
            Layers = EquatableArray.From(
                first,
                second,
                Layer(3, 3, 23u, Activation.None)),
        },
        Platform = new PlatformInfo { Target = "taurus" },
    };
    }

    public const string EvilName = "a*/ evil /*";

    /// <summary>Names that try to break out of comments or collide with P4/Scala keywords.</summary>
    public static ModelFile HostileNames() => new ModelFile
    {
        Name = "a*/ evil /*\nprogram \\u000a x",
        SpecFile = "evil */ spec\r\n.hspec",
        CompilerVersion = "0.1.0-test \\",
        Features = EquatableArray.From(
            Integer("apply", 8, 255),
            Categorical("table\u000aname */ inject();", "bit", "*/ inject /*", "line\nbreak", "\\u000a"),
            Integer("bit", 24, (1 << 24) - 1),
            Fractional("3rd feature", 6, 10, 0, 63),
            Integer("\\u000a object", 8, 255)),
        Classes = EquatableArray.From(Class(EvilName), Class("apply\nclass \\u000a")),
        Model = new MlpModel
        {
            Inputs = EquatableArray.From(
                In(0, InputTransform.Identity),
                In(1, InputTransform.OneHot, 0),
                In(1, InputTransform.OneHot, 1),
                In(1, InputTransform.OneHot, 3),
                In(2, InputTransform.Log2Compand),
                In(3, InputTransform.Identity),
                In(4, InputTransform.Log2Compand)),
            Layers = EquatableArray.From(
                Layer(7, 3, 31u, Activation.Relu, shift: 6, clampMax: 100),
                Layer(3, 2, 32u, Activation.None)),
        },
        Platform = new PlatformInfo { Target = "bmv2" },
    };
}
