using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Homunculus.Compiler.Emitters;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Compiler.Emitters.Spatial;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>
/// Tree models on BMv2 and Taurus: golden files (Golden/&lt;case&gt;/, rewritten with HOMUNCULUS_UPDATE_GOLDEN=1),
/// and the emitted P4 ingress executed on packets and compared with the reference interpreter.
/// </summary>
public sealed class TreeEmitterTests
{
    private static FeatureEncoding Integer(string name, int bits, long max) =>
        new() { Name = name, Kind = FeatureKind.Integer, Bits = bits, Max = max };

    private static TreeNode Node(int feature, long threshold, int left, int right) =>
        new() { Feature = feature, Threshold = threshold, Left = left, Right = right };

    private static TreeLeaf Leaf(int cls, int value) => new() { Class = cls, Value = value };

    /// <summary>3 classes, a 32-bit, a 16-bit and a categorical feature; a vote tree, a boosted-style tree with
    /// negative values, a single-leaf tree, and thresholds beyond the field (decided statically).</summary>
    public static ModelFile Small() => new()
    {
        Name = "Tree Guard",
        SpecFile = "trees.hspec",
        CompilerVersion = "0.1.0-test",
        Algorithm = "boosted",
        Features = EquatableArray.From(
            Integer("src bytes", 32, uint.MaxValue),
            Integer("duration", 16, 65535),
            new FeatureEncoding { Name = "protocol", Kind = FeatureKind.Categorical, Bits = 2, Max = 3, Categories = EquatableArray.From("icmp", "tcp", "udp") }),
        Classes = EquatableArray.From(
            new ClassInfo { Name = "normal", Labels = EquatableArray.From("normal") },
            new ClassInfo { Name = "dos", Labels = EquatableArray.From("dos") },
            new ClassInfo { Name = "probe", Labels = EquatableArray.From("probe") }),
        Model = new TreeEnsembleModel
        {
            Classes = 3,
            Bias = EquatableArray.From(0, -5, 3),
            ValueScale = 0.25,
            Trees = EquatableArray.From(
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(0, 3000000000, 1, 2), Node(2, 1, ~0, ~1), Node(1, 100, ~2, ~3)),
                    Leaves = EquatableArray.From(Leaf(0, 4), Leaf(1, 4), Leaf(2, 4), Leaf(1, 4)),
                },
                new DecisionTree
                {
                    Nodes = EquatableArray.From(Node(1, 20, 1, ~2), Node(1, 70000, ~0, 2), Node(0, -1, ~3, ~1)),
                    Leaves = EquatableArray.From(Leaf(2, -7), Leaf(2, 9), Leaf(2, 0), Leaf(2, 1)),
                },
                new DecisionTree { Leaves = EquatableArray.From(Leaf(1, 2)) }),
        },
        Platform = new PlatformInfo { Target = "bmv2" },
    };

    internal static IReadOnlyList<GeneratedFile> EmitAll(ModelFile model) =>
        new IEmitter[] { new Bmv2Emitter(), new SpatialEmitter() }.SelectMany(e => e.Emit(model)).ToList();

    [Fact]
    public void EmittedFilesMatchGoldenFiles()
    {
        const string caseName = "tree_guard";
        var model = Small();
        Assert.Empty(TreeInterpreter.Problems((TreeEnsembleModel)model.Model, 3, 3));
        var files = EmitAll(model);
        Assert.Equal(new[] { "bmv2/tree_guard.p4", "taurus/TreeGuard.scala" }, files.Select(f => f.RelativePath));
        if (Environment.GetEnvironmentVariable(GoldenFileTests.UpdateVariable) == "1")
        {
            string source = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(source, "Homunculus.Compiler.Tests.csproj"))) source = Path.GetDirectoryName(source)!;
            foreach (var file in files)
            {
                string path = Path.Combine(source, "Golden", caseName, file.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
            }
            return;
        }
        foreach (var file in files)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Golden", caseName, file.RelativePath);
            Assert.True(File.Exists(path), $"no golden file {path}; run with {GoldenFileTests.UpdateVariable}=1");
            Assert.True(File.ReadAllText(path).Replace("\r\n", "\n") == file.Content, $"{caseName}/{file.RelativePath} differs from its golden file");
        }
    }

    [Fact]
    public void EmittersSupportTreesAndTheStaticallyDecidedNodesAreFolded()
    {
        var model = Small();
        Assert.True(new Bmv2Emitter().Supports(model));
        Assert.True(new SpatialEmitter().Supports(model));
        var p4 = P4Text.StripLineComments(EmitAll(model)[0].Content);
        Assert.Contains("if (h.feat.f_src_bytes <= 3000000000) {", p4);
        Assert.DoesNotContain("70000", p4);   // beyond the 16-bit field: always left
        Assert.DoesNotContain("<= -1", p4);   // below every value: always right
        Assert.True(P4Text.Balanced(p4, '{', '}'));
        var scala = P4Text.StripLineComments(EmitAll(model)[1].Content);
        Assert.Contains("mux(v_src_bytes <= 3000000000L.to[U32]", scala);
        Assert.True(P4Text.Balanced(scala, '{', '}') && P4Text.Balanced(scala, '(', ')'));
        // A malformed model (a child pointing backwards) is not supported rather than emitted.
        var trees = (TreeEnsembleModel)model.Model;
        var broken = model with { Model = trees with { Trees = EquatableArray.From(trees.Trees[0] with { Nodes = EquatableArray.From(Node(0, 1, 0, ~0)) }) } };
        Assert.False(new Bmv2Emitter().Supports(broken));
        Assert.False(new SpatialEmitter().Supports(broken));
    }

    public static IEnumerable<long[]> Packets(ModelFile model, int count, int seed)
    {
        var rng = new Random(seed);
        var trees = (TreeEnsembleModel)model.Model;
        // Each threshold, one below and one above, per feature; then random values.
        var interesting = model.Features.Select((f, fi) =>
        {
            long fieldMax = f.FieldBits == 32 ? uint.MaxValue : (1L << f.FieldBits) - 1;
            return trees.Trees.SelectMany(t => t.Nodes).Where(n => n.Feature == fi)
                .SelectMany(n => new[] { n.Threshold - 1, n.Threshold, n.Threshold + 1 })
                .Append(0).Append(fieldMax).Where(v => v >= 0 && v <= fieldMax).Distinct().ToArray();
        }).ToArray();
        for (int r = 0; r < count; r++)
        {
            yield return interesting.Select((values, fi) => rng.Next(3) == 0
                ? (long)(rng.NextDouble() * (model.Features[fi].FieldBits == 32 ? uint.MaxValue : (1L << model.Features[fi].FieldBits) - 1))
                : values[rng.Next(values.Length)]).ToArray();
        }
    }

    [Fact]
    public void ExecutedIngressMatchesTheReferenceInterpreter()
    {
        var model = Small();
        var trees = (TreeEnsembleModel)model.Model;
        var evaluator = new P4IngressEvaluator(EmitAll(model)[0].Content);
        var seen = new HashSet<long>();
        foreach (var packet in Packets(model, 600, 99))
        {
            var fields = model.Features.Select((f, i) => ("f_" + Identifiers.Snake(f.Name), packet[i])).ToDictionary(t => t.Item1, t => t.Item2);
            var state = evaluator.Run(fields);
            var scores = TreeInterpreter.Scores(trees, packet);
            for (int c = 0; c < scores.Length; c++) Assert.Equal(scores[c], state[$"m.score{c}"]);
            Assert.Equal(ReferenceInterpreter.Predict(model, packet), state["h.feat.result"]);
            seen.Add(state["h.feat.result"]);
        }
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void ExecutedIngressOfATrainedForestMatchesTheReferenceInterpreter()
    {
        var (spec, data) = Training.TreeFamilyTests.Load(Training.TreeFamilyTests.FiveClasses);
        var model = Training.TreeFamilyTests.Train(new Homunculus.Compiler.Training.ForestFamily(), spec with { }, data, out _);
        model = model with { Model = ((TreeEnsembleModel)model.Model) with { Trees = ((TreeEnsembleModel)model.Model).Trees.Take(5).ToEquatableArray() } };
        var evaluator = new P4IngressEvaluator(new Bmv2Emitter().Emit(model).Single().Content);
        var rows = Enumerable.Range(0, data.Test.Rows).Where(r => r % 7 == 0).Select(r => data.Test.Row(r)).Concat(Packets(model, 200, 5));
        foreach (var packet in rows)
        {
            var fields = model.Features.Select((f, i) => ("f_" + Identifiers.Snake(f.Name), packet[i])).ToDictionary(t => t.Item1, t => t.Item2);
            Assert.Equal(ReferenceInterpreter.Predict(model, packet), evaluator.Run(fields)["h.feat.result"]);
        }
    }
}
