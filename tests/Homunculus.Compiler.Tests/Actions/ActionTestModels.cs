using System.Linq;
using Homunculus.Compiler.Tests.Emitters;
using Homunculus.Compiler.Tests.Tna;
using Homunculus.Model.Ir;
using Homunculus.Model.Packets;

namespace Homunculus.Compiler.Tests.Actions;

/// <summary>Model files with per-class actions (docs/actions.md), for the emitter, golden and simulation tests.</summary>
internal static class ActionTestModels
{
    public static ClassAction Drop => new() { Kind = ClassActionKind.Drop };

    public static ClassAction Digest => new() { Kind = ClassActionKind.Digest };

    public static ClassAction Dscp(int value) => new() { Kind = ClassActionKind.Dscp, Value = value };

    public static ClassAction Port(int value) => new() { Kind = ClassActionKind.Port, Value = value };

    public static ClassAction Cpu(int session) => new() { Kind = ClassActionKind.Cpu, Value = session };

    /// <summary>The model with the given actions on the named classes (the others keep theirs).</summary>
    public static ModelFile WithActions(ModelFile model, params (string Class, ClassAction Action)[] actions) => model with
    {
        Classes = model.Classes.Select(c => actions.Any(a => a.Class == c.Name) ? c with { Action = actions.Single(a => a.Class == c.Name).Action } : c).ToEquatableArray(),
    };

    /// <summary>The traffic MLP (feature header, 3 classes): out of port 5, a copy to the CPU, a digest.</summary>
    public static ModelFile TrafficActions() =>
        WithActions(EmitterTestModels.TrafficClasses(), ("video", Port(5)), ("web", Cpu(7)), ("iot", Digest));

    /// <summary>The small tree ensemble (feature header, 3 classes): normal forwarded, dos dropped, probe digested.</summary>
    public static ModelFile TreeActions() =>
        WithActions(TreeEmitterTests.Small(), ("dos", Drop), ("probe", Digest));

    /// <summary>The Tofino tree (3 classes): out of port 12, a digest, dropped.</summary>
    public static ModelFile TnaTree() =>
        WithActions(TnaTestModels.Tree(), ("web", Port(12)), ("dns", Digest), ("other", Drop));

    /// <summary>The index of each action's class in <see cref="PacketTree"/>.</summary>
    public const int Forward = 0, Dropped = 1, Rewritten = 2, Ported = 3, Copied = 4, Digested = 5;

    /// <summary>
    /// A tree on packet fields whose six leaves are six classes, one per action: IPv6, ARP and other EtherTypes
    /// above IPv4 split by length (small: DSCP, else digest; ARP: port); IPv4 by length, then TTL (DSCP or drop)
    /// or TCP destination port (cpu or forward). With <paramref name="lengthOnly"/> the model reads only
    /// <c>packet.length</c>, so the IP headers are parsed for the DSCP action alone.
    /// </summary>
    public static ModelFile PacketTree(bool lengthOnly = false)
    {
        static FeatureEncoding Field(string name)
        {
            var f = PacketFields.Find(name)!;
            return new FeatureEncoding { Name = name.Replace('.', ' '), Kind = FeatureKind.Integer, Bits = f.Bits, Max = f.Mask, Field = name };
        }
        static TreeNode Node(int feature, long threshold, int left, int right) => new() { Feature = feature, Threshold = threshold, Left = left, Right = right };
        static TreeLeaf Leaf(int cls) => new() { Class = cls, Value = 1 };

        var classes = new[] { "forwarded", "dropped", "marked", "ported", "copied", "digested" }
            .Select(n => new ClassInfo { Name = n, Labels = EquatableArray.From(n) }).ToArray();
        classes[Dropped] = classes[Dropped] with { Action = Drop };
        classes[Rewritten] = classes[Rewritten] with { Action = Dscp(46) };
        classes[Ported] = classes[Ported] with { Action = Port(9) };
        classes[Copied] = classes[Copied] with { Action = Cpu(100) };
        classes[Digested] = classes[Digested] with { Action = Digest };

        DecisionTree tree = lengthOnly
            ? new DecisionTree
            {
                Nodes = EquatableArray.From(Node(0, 90, 1, ~2), Node(0, 70, ~0, ~1)),
                Leaves = EquatableArray.From(Leaf(Rewritten), Leaf(Dropped), Leaf(Forward)),
            }
            : new DecisionTree
            {
                // features: 0 eth.type, 1 packet.length, 2 ipv4.ttl, 3 tcp.dstPort
                Nodes = EquatableArray.From(
                    Node(0, 0x0800, 1, 2),
                    Node(1, 100, 3, 4),
                    Node(0, 0x0806, ~0, 5),
                    Node(2, 64, ~1, ~2),
                    Node(3, 1024, ~3, ~4),
                    Node(1, 120, ~5, ~6)),
                Leaves = EquatableArray.From(Leaf(Ported), Leaf(Rewritten), Leaf(Dropped), Leaf(Copied), Leaf(Forward), Leaf(Rewritten), Leaf(Digested)),
            };
        var features = lengthOnly
            ? new[] { Field("packet.length") }
            : new[] { Field("eth.type"), Field("packet.length"), Field("ipv4.ttl"), Field("tcp.dstPort") };
        return new ModelFile
        {
            Name = "Packet Actions",
            SpecFile = "actions.hspec",
            CompilerVersion = "0.1.0-test",
            Algorithm = "tree",
            Features = features.ToEquatableArray(),
            Classes = classes.ToEquatableArray(),
            Model = new TreeEnsembleModel { Classes = 6, Bias = EquatableArray.From(0, 0, 0, 0, 0, 0), Trees = EquatableArray.From(tree) },
            Platform = new PlatformInfo { Target = "bmv2" },
        };
    }
}
