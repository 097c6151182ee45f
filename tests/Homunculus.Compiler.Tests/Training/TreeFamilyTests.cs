using System.Collections.Generic;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Xunit.Abstractions;

namespace Homunculus.Compiler.Tests.Training;

/// <summary>
/// The tree families on the template's NSL-KDD sample (7 features): better than the majority class, the
/// integer model within one point of weighted F1 of the float model, and byte-identical model files when
/// trained twice. Two classes (normal / attack) and the usual five (normal, DoS, Probe, R2L, U2R).
/// </summary>
public sealed class TreeFamilyTests
{
    private readonly ITestOutputHelper _output;

    public TreeFamilyTests(ITestOutputHelper output) => _output = output;

    /// <summary>The usual 5-class mapping of NSL-KDD labels (/work/shared/data/nsl-kdd/SOURCE.txt), every label listed.</summary>
    public const string FiveClasses = """
        {
          "normal": ["normal"],
          "DoS": ["back", "land", "neptune", "pod", "smurf", "teardrop", "apache2", "mailbomb", "processtable", "udpstorm"],
          "Probe": ["ipsweep", "nmap", "portsweep", "satan", "mscan", "saint"],
          "R2L": ["ftp_write", "guess_passwd", "imap", "multihop", "phf", "spy", "warezclient", "warezmaster", "named", "sendmail", "snmpgetattack", "snmpguess", "xlock", "xsnoop", "worm"],
          "U2R": ["buffer_overflow", "loadmodule", "perl", "rootkit", "httptunnel", "ps", "sqlattack", "xterm"]
        }
        """;

    private const string TwoClasses = """{ "normal": ["normal"], "attack": "*" }""";

    /// <summary>The template's spec and data, with the given classes and all tree families.</summary>
    internal static (HSpec Spec, LoadedData Data) Load(string classes)
    {
        string specPath = Path.Combine(Repository.Root, "templates", "content", "homunculus", "anomaly.hspec");
        string text = File.ReadAllText(specPath)
            .Replace("""{ "normal": ["normal"], "attack": "*" }""", classes)
            .Replace("""["dnn"]""", """["tree", "forest", "boosted"]""");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(specPath, text, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var data = DataLoader.Load(spec!, DataLoader.ReadFiles(spec!, diagnostics)!, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        return (spec!, data!);
    }

    internal static ModelFile Train(IModelFamily family, HSpec spec, LoadedData data, out FamilyResult result)
    {
        var set = new TrainingSet(data.Features, data.Classes, data.Train, data.Train, data.Test);
        result = family.Train(set, spec.Settings[family.Name], spec.Seed, default);
        return new ModelFile
        {
            Name = spec.Name,
            Algorithm = family.Name,
            Features = data.Features.ToEquatableArray(),
            Classes = data.Classes.ToEquatableArray(),
            Model = result.Model,
        };
    }

    public static IEnumerable<object[]> Cases() =>
        from family in new[] { "tree", "forest", "boosted" }
        from classes in new[] { 2, 5 }
        select new object[] { family, classes };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Beats_the_majority_class_keeps_float_quality_and_is_deterministic(string name, int classCount)
    {
        var (spec, data) = Load(classCount == 2 ? TwoClasses : FiveClasses);
        Assert.Equal(classCount, data.Classes.Count);
        var family = ModelFamilies.Find(name)!;
        var model = Train(family, spec, data, out var result);
        Assert.Empty(TreeInterpreter.Problems((TreeEnsembleModel)model.Model, model.Features.Count, model.Classes.Count));

        var fixedPredictions = Enumerable.Range(0, data.Test.Rows).Select(r => ReferenceInterpreter.Predict(model, data.Test.Row(r))).ToArray();
        var floatTest = Metrics.Compute(data.Test.Classes, result.FloatTest, classCount);
        var fixedTest = Metrics.Compute(data.Test.Classes, fixedPredictions, classCount);
        int majority = Enumerable.Range(0, classCount).OrderByDescending(c => data.Train.Classes.Count(k => k == c)).First();
        var baseline = Metrics.Compute(data.Test.Classes, Enumerable.Repeat(majority, data.Test.Rows).ToArray(), classCount);
        var trees = (TreeEnsembleModel)model.Model;
        _output.WriteLine($"{name} {classCount} classes: float weighted F1 {floatTest.WeightedF1:0.0000}, fixed {fixedTest.WeightedF1:0.0000}, " +
            $"majority {baseline.WeightedF1:0.0000}; {trees.Trees.Count} trees, max depth {trees.Trees.Max(TreeInterpreter.Depth)}, " +
            $"{trees.Trees.Sum(t => t.Nodes.Count)} splits, unit {trees.ValueScale}");

        Assert.True(floatTest.WeightedF1 > baseline.WeightedF1 + 0.05, $"float {floatTest.WeightedF1:0.####} vs majority {baseline.WeightedF1:0.####}");
        Assert.True(floatTest.WeightedF1 - fixedTest.WeightedF1 <= 0.01, $"float {floatTest.WeightedF1:0.####} vs fixed point {fixedTest.WeightedF1:0.####}");

        // Same inputs and seed: the same model file, byte for byte.
        var again = Train(family, spec, data, out _);
        Assert.Equal(ModelFileJson.Serialize(model), ModelFileJson.Serialize(again));
        // And the file reads back to the same model.
        Assert.Equal(model, ModelFileJson.Deserialize(ModelFileJson.Serialize(model)));
    }

    [Fact]
    public void Settings_are_read_with_defaults_and_unknown_keys_are_errors()
    {
        var diagnostics = new DiagnosticBag();
        var reader = new SpecReader("x.hspec", "{}", diagnostics);
        Assert.Equal(new TreeSettings(), new TreeFamily().ReadSettings(null, reader));
        Assert.Equal(new ForestSettings { Trees = 3, FeatureFraction = 0.5 },
            new ForestFamily().ReadSettings(Newtonsoft.Json.Linq.JObject.Parse("""{ "trees": 3, "featureFraction": 0.5 }"""), reader));
        Assert.Equal(new BoostedSettings { Leaves = 8, LearningRate = 0.1 },
            new BoostedFamily().ReadSettings(Newtonsoft.Json.Linq.JObject.Parse("""{ "leaves": 8, "learningRate": 0.1 }"""), reader));
        Assert.Empty(diagnostics.Items);
        new TreeFamily().ReadSettings(Newtonsoft.Json.Linq.JObject.Parse("""{ "dept": 3 }"""), reader);
        new BoostedFamily().ReadSettings(Newtonsoft.Json.Linq.JObject.Parse("""{ "leaves": 1 }"""), reader);
        Assert.Equal(new[] { "HMC0004", "HMC0005" }, diagnostics.Items.Select(d => d.Descriptor.Code));
        Assert.Contains("did you mean 'depth'", diagnostics.Items[0].ToString());
    }
}
