using System.Collections.Concurrent;
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
/// The one-dense-layer families (svm, logistic, kmeans, naive-bayes) on the template's NSL-KDD sample (7 features):
/// the float model beats the majority-class baseline, the integer model (what the switch and the stub compute)
/// loses at most one point of weighted F1, and training is deterministic. Binary (normal / attack) and the
/// usual 5 categories (normal / DoS / Probe / R2L / U2R).
/// </summary>
public sealed class ArithmeticFamilyTests
{
    private readonly ITestOutputHelper _output;

    public ArithmeticFamilyTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases =>
        from family in new[] { "svm", "logistic", "kmeans", "naive-bayes" }
        from classes in new[] { 2, 5 }
        select new object[] { family, classes };

    /// <summary>Every label of NSL-KDD in its usual category (shared/data/nsl-kdd/SOURCE.txt).</summary>
    public const string FiveClasses = """
        {
          "normal": ["normal"],
          "DoS": ["back", "land", "neptune", "pod", "smurf", "teardrop", "apache2", "mailbomb", "processtable", "udpstorm"],
          "Probe": ["ipsweep", "nmap", "portsweep", "satan", "mscan", "saint"],
          "R2L": ["ftp_write", "guess_passwd", "imap", "multihop", "phf", "spy", "warezclient", "warezmaster", "named", "sendmail",
                  "snmpgetattack", "snmpguess", "xlock", "xsnoop", "worm"],
          "U2R": ["buffer_overflow", "loadmodule", "perl", "rootkit", "httptunnel", "ps", "sqlattack", "xterm"]
        }
        """;

    private static readonly ConcurrentDictionary<int, (HSpec Spec, LoadedData Data)> Loaded = new();

    /// <summary>The template's anomaly.hspec and data; with 5 classes, its class map replaced by the usual categories.</summary>
    internal static (HSpec Spec, LoadedData Data) Load(int classes) => Loaded.GetOrAdd(classes, n =>
    {
        string specPath = Path.Combine(Repository.Root, "templates", "content", "homunculus", "anomaly.hspec");
        string text = System.IO.File.ReadAllText(specPath);
        if (n == 5)
        {
            const string binary = "\"classes\": { \"normal\": [\"normal\"], \"attack\": \"*\" }";
            Assert.Contains(binary, text);
            text = text.Replace(binary, "\"classes\": " + FiveClasses);
        }
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(specPath, text, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        var data = DataLoader.Load(spec!, DataLoader.ReadFiles(spec!, diagnostics)!, diagnostics);
        Assert.True(data is not null, string.Join("\n", diagnostics.Items));
        Assert.Equal(n, data!.Classes.Count);
        return (spec!, data);
    });

    internal static FamilyResult Train(string name, LoadedData data, int seed = 7)
    {
        var family = ModelFamilies.Find(name)!;
        var settings = family.ReadSettings(null, new SpecReader("x.hspec", "{}", new DiagnosticBag()));
        // The validation rows only choose between families; here they are the training rows.
        var set = new TrainingSet(data.Features, data.Classes, data.Train, data.Train, data.Test);
        return family.Train(set, settings, seed, default);
    }

    internal static ModelFile File(string name, LoadedData data, FamilyResult result) => new ModelFile
    {
        Name = "nslkdd",
        Algorithm = name,
        Features = data.Features.ToEquatableArray(),
        Classes = data.Classes.ToEquatableArray(),
        Model = result.Model,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_model_beats_the_majority_class_and_fixed_point_loses_at_most_one_point(string name, int classes)
    {
        var (_, data) = Load(classes);
        var result = Train(name, data);
        var model = File(name, data, result);
        int n = data.Classes.Count;
        var floatTest = Metrics.Compute(data.Test.Classes, result.FloatTest, n);
        var fixedPredictions = Enumerable.Range(0, data.Test.Rows).Select(r => ReferenceInterpreter.Predict(model, data.Test.Row(r))).ToArray();
        var fixedTest = Metrics.Compute(data.Test.Classes, fixedPredictions, n);
        int majority = OneLayer.MajorityClass(data.Train.Classes, n);
        var baseline = Metrics.Compute(data.Test.Classes, Enumerable.Repeat(majority, data.Test.Rows).ToArray(), n);
        var mlp = (MlpModel)result.Model;
        _output.WriteLine($"{name}, {n} classes: weighted F1 float {floatTest.WeightedF1:0.0000}, fixed {fixedTest.WeightedF1:0.0000}, majority {baseline.WeightedF1:0.0000}; accuracy float {floatTest.Accuracy:0.0000}, fixed {fixedTest.Accuracy:0.0000}; {mlp.Inputs.Count} inputs, {mlp.Layers[0].Outputs} outputs");

        Assert.Single(mlp.Layers);
        Assert.Equal(Activation.None, mlp.Layers[0].Activation);
        Assert.True(floatTest.WeightedF1 > baseline.WeightedF1 + 0.05, $"float {floatTest.WeightedF1:0.####} vs majority {baseline.WeightedF1:0.####}");
        Assert.True(floatTest.WeightedF1 - fixedTest.WeightedF1 <= 0.01, $"float {floatTest.WeightedF1:0.####} vs fixed point {fixedTest.WeightedF1:0.####}");
        // The quantizer's guarantee: no accumulator wraps on the training rows.
        for (int r = 0; r < data.Train.Rows; r++)
        {
            var x = ReferenceInterpreter.MlpInputs(mlp, data.Train.Row(r));
            var layer = mlp.Layers[0];
            for (int j = 0; j < layer.Outputs; j++)
            {
                long acc = layer.Biases[j];
                for (int i = 0; i < layer.Inputs; i++) acc += (long)layer.Weight(j, i) * x[i];
                Assert.InRange(acc, int.MinValue, int.MaxValue);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_twice_gives_the_same_model_file(string name, int classes)
    {
        var (_, data) = Load(classes);
        string first = ModelFileJson.Serialize(File(name, data, Train(name, data)));
        string second = ModelFileJson.Serialize(File(name, data, Train(name, data)));
        Assert.Equal(first, second);
    }

    [Fact]
    public void Model_shapes_are_the_documented_ones()
    {
        var (_, data) = Load(5);
        var kmeans = (MlpModel)Train("kmeans", data).Model;
        Assert.Equal(2 * 5, kmeans.Layers[0].Outputs);
        Assert.Equal(2 * 5, kmeans.OutputClasses.Count);
        Assert.All(kmeans.OutputClasses, c => Assert.InRange(c, 0, 4));

        var bayes = (MlpModel)Train("naive-bayes", data).Model;
        var numeric = MlpFamily.InputLayout(data.Features).Where(i => i.Transform != InputTransform.OneHot).ToList();
        Assert.Equal(numeric.Select(i => (i.Feature, i.Transform)), bayes.Inputs.Where(i => i.Transform == InputTransform.Square).Select(i => (i.Feature, i.Base)));
        Assert.Empty(bayes.OutputClasses);
        Assert.Equal(5, bayes.Layers[0].Outputs);

        var (_, binary) = Load(2);
        var svm = (MlpModel)Train("svm", binary).Model;
        Assert.Equal(2, svm.Layers[0].Outputs);
        Assert.All(Enumerable.Range(0, svm.Layers[0].Inputs), i => Assert.Equal(0, svm.Layers[0].Weight(0, i)));
    }

    [Theory]
    [InlineData("svm", "{ \"iterations\": 5, \"regularization\": 0.01 }", null)]
    [InlineData("logistic", "{ \"iterations\": 5 }", null)]
    [InlineData("kmeans", "{ \"clusters\": 4, \"iterations\": 10 }", null)]
    [InlineData("naive-bayes", "{ \"varianceSmoothing\": 0.1, \"categorySmoothing\": 0.5 }", null)]
    [InlineData("svm", "{ \"lambda\": 0.01 }", "lambda")]
    [InlineData("kmeans", "{ \"clusters\": 0 }", "clusters")]
    [InlineData("naive-bayes", "{ \"alpha\": 1 }", "alpha")]
    public void Settings_are_read_and_unknown_keys_are_errors(string name, string json, string? wrong)
    {
        var diagnostics = new DiagnosticBag();
        var reader = new SpecReader("x.hspec", json, diagnostics);
        var settings = ModelFamilies.Find(name)!.ReadSettings(Newtonsoft.Json.Linq.JObject.Parse(json), reader);
        Assert.NotNull(settings);
        if (wrong is null) Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        else Assert.Contains(diagnostics.Items, d => d.Message.Contains(wrong, System.StringComparison.Ordinal));
    }
}
