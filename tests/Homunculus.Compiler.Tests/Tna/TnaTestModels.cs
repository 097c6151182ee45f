using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>Model files for the Tofino tests: one per family shape (golden case name -> model).</summary>
internal static class TnaTestModels
{
    public static IReadOnlyList<(string Case, ModelFile Model)> All => new[]
    {
        ("tna_tree", Tree()),
        ("tna_forest", Forest()),
        ("tna_boosted", TreeEmitterTests.Small()),
        ("tna_linear", Linear()),
        ("tna_kmeans", EmitterTestModels.ClusterClasses()),
        ("tna_bayes", Bayes()),
        ("tna_actions", Actions.ActionTestModels.TnaTree()),
        ("tna_packet_fields", PacketFields()),
    };

    public static IEnumerable<object[]> CaseNames => All.Select(c => new object[] { c.Case });

    public static ModelFile Get(string name) => All.Single(c => c.Case == name).Model;

    private static FeatureEncoding Integer(string name, int bits, long max) =>
        new() { Name = name, Kind = FeatureKind.Integer, Bits = bits, Max = max };

    private static FeatureEncoding Categorical(string name, params string[] categories) => new()
    {
        Name = name,
        Kind = FeatureKind.Categorical,
        Bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)categories.Length),
        Max = categories.Length,
        Categories = categories.OrderBy(c => c, System.StringComparer.Ordinal).ToEquatableArray(),
    };

    private static ClassInfo Class(string name) => new() { Name = name, Labels = EquatableArray.From(name) };

    private static TreeNode Node(int feature, long threshold, int left, int right) =>
        new() { Feature = feature, Threshold = threshold, Left = left, Right = right };

    private static TreeLeaf Vote(int cls) => new() { Class = cls, Value = 1 };

    private static MlpInput In(int feature, InputTransform transform, int code = 0, InputTransform baseTransform = InputTransform.Identity) =>
        new() { Feature = feature, Transform = transform, Code = code, Base = baseTransform };

    /// <summary>One CART tree, 3 classes, a 16-bit and a categorical feature.</summary>
    public static ModelFile Tree() => new()
    {
        Name = "port guard",
        SpecFile = "tree.hspec",
        CompilerVersion = "0.1.0-test",
        Algorithm = "tree",
        Features = EquatableArray.From(Integer("dst port", 16, 65535), Categorical("proto", "icmp", "tcp", "udp")),
        Classes = EquatableArray.From(Class("web"), Class("dns"), Class("other")),
        Model = new TreeEnsembleModel
        {
            Classes = 3,
            Bias = EquatableArray.From(0, 0, 0),
            Trees = EquatableArray.From(new DecisionTree
            {
                Nodes = EquatableArray.From(Node(0, 79, 1, 2), Node(0, 52, 3, ~0), Node(0, 443, ~1, 4), Node(1, 1, ~2, ~3), Node(1, 1, ~4, ~5)),
                Leaves = EquatableArray.From(Vote(1), Vote(0), Vote(2), Vote(1), Vote(0), Vote(2)),
            }),
        },
        Platform = new PlatformInfo { Target = "tofino" },
    };

    private static FeatureEncoding Field(string name, string field, int bits) => Integer(name, bits, (1L << bits) - 1) with { Field = field };

    /// <summary>
    /// Two voting trees over standard packet fields (docs/packet-features.md): the EtherType (IPv4, IPv6 or
    /// another, behind a VLAN tag or not), the IPv4 TTL and the TCP destination port, 3 classes.
    /// </summary>
    public static ModelFile PacketFields() => new()
    {
        Name = "packet guard",
        SpecFile = "packets.hspec",
        CompilerVersion = "0.1.0-test",
        Algorithm = "forest",
        Features = EquatableArray.From(Field("ether type", "eth.type", 16), Field("ttl", "ipv4.ttl", 8), Field("dst port", "tcp.dstPort", 16)),
        Classes = EquatableArray.From(Class("camera"), Class("plug"), Class("other")),
        Model = new TreeEnsembleModel
        {
            Classes = 3,
            Bias = EquatableArray.From(0, 0, 0),
            Trees = EquatableArray.From(
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(0, 0x0800, 1, ~0), Node(0, 0x07FF, ~1, 2), Node(1, 64, ~2, ~3)),
                    Leaves = EquatableArray.From(Vote(2), Vote(2), Vote(1), Vote(0)),
                },
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(2, 1023, 1, 2), Node(2, 0, ~0, ~1), Node(2, 8079, ~2, ~3)),
                    Leaves = EquatableArray.From(Vote(2), Vote(1), Vote(0), Vote(2)),
                }),
        },
        Platform = new PlatformInfo { Target = "tofino" },
    };

    /// <summary>Three voting trees over a 32-bit, a 16-bit and an 8-bit feature, 3 classes (ties go to the lowest class).</summary>
    public static ModelFile Forest() => new()
    {
        Name = "flow forest",
        SpecFile = "forest.hspec",
        CompilerVersion = "0.1.0-test",
        Algorithm = "forest",
        Features = EquatableArray.From(Integer("bytes", 32, uint.MaxValue), Integer("duration", 16, 65535), Integer("ttl", 8, 255)),
        Classes = EquatableArray.From(Class("normal"), Class("dos"), Class("probe")),
        Model = new TreeEnsembleModel
        {
            Classes = 3,
            Bias = EquatableArray.From(0, 0, 0),
            Trees = EquatableArray.From(
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(0, 1500, 1, 2), Node(2, 64, ~0, ~1), Node(1, 300, ~2, ~3)),
                    Leaves = EquatableArray.From(Vote(0), Vote(2), Vote(1), Vote(0)),
                },
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(1, 10, 1, 2), Node(0, 40000, ~0, ~1), Node(2, 128, ~2, ~3)),
                    Leaves = EquatableArray.From(Vote(2), Vote(1), Vote(0), Vote(1)),
                },
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(0, 1500, 1, ~0), Node(1, 300, ~1, ~2)),
                    Leaves = EquatableArray.From(Vote(1), Vote(0), Vote(2)),
                }),
        },
        Platform = new PlatformInfo { Target = "tofino" },
    };

    /// <summary>svm shape, 2 classes: a companded 16-bit input, an 8-bit identity, a 16-bit identity (byte tables) and one-hot codes.</summary>
    public static ModelFile Linear()
    {
        var weights = new[]
        {
            12, -7, 3, 40, -25, 0,
            -9, 5, -2, -30, 31, 17,
        };
        return new ModelFile
        {
            Name = "linear guard",
            SpecFile = "svm.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "svm",
            Features = EquatableArray.From(Integer("pkt len", 16, 65535), Integer("ttl", 8, 255), Integer("window", 16, 65535), Categorical("proto", "icmp", "tcp", "udp")),
            Classes = EquatableArray.From(Class("benign"), Class("attack")),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    In(0, InputTransform.Log2Compand),
                    In(1, InputTransform.Identity),
                    In(2, InputTransform.Identity),
                    In(3, InputTransform.OneHot, 0),
                    In(3, InputTransform.OneHot, 1),
                    In(3, InputTransform.OneHot, 3)),
                Layers = EquatableArray.From(new DenseLayer
                {
                    Inputs = 6,
                    Outputs = 2,
                    Weights = weights.ToEquatableArray(),
                    Biases = EquatableArray.From(-500, 420),
                    Activation = Activation.None,
                    AccumulatorScale = 1.0 / 64,
                }),
            },
            Platform = new PlatformInfo { Target = "tofino" },
        };
    }

    /// <summary>Naive-Bayes shape, 3 classes: 8-bit identity + its square, 32-bit companded + its square, one-hot codes.</summary>
    public static ModelFile Bayes()
    {
        var weights = new[]
        {
            40, 0, 0, 0, 50, -40, 0,
            -20, 1, 0, 0, -20, 70, 25,
            0, 0, -150, 1, 10, 0, -60,
        };
        return new ModelFile
        {
            Name = "bayes guard",
            SpecFile = "bayes.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "naive-bayes",
            Features = EquatableArray.From(Integer("flags", 8, 255), Integer("bytes", 32, uint.MaxValue), Categorical("service", "dns", "http", "ssh")),
            Classes = EquatableArray.From(Class("a"), Class("b"), Class("c")),
            Model = new MlpModel
            {
                Inputs = EquatableArray.From(
                    In(0, InputTransform.Identity),
                    In(0, InputTransform.Square, baseTransform: InputTransform.Identity),
                    In(1, InputTransform.Log2Compand),
                    In(1, InputTransform.Square, baseTransform: InputTransform.Log2Compand),
                    In(2, InputTransform.OneHot, 0),
                    In(2, InputTransform.OneHot, 2),
                    In(2, InputTransform.OneHot, 3)),
                Layers = EquatableArray.From(new DenseLayer
                {
                    Inputs = 7,
                    Outputs = 3,
                    Weights = weights.ToEquatableArray(),
                    Biases = EquatableArray.From(-4000, -30000, 100),
                    Activation = Activation.None,
                    AccumulatorScale = 1.0 / 64,
                }),
            },
            Platform = new PlatformInfo { Target = "tofino" },
        };
    }
}
