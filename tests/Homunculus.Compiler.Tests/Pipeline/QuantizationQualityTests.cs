using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Pipeline;

/// <summary>On the NSL-KDD sample: the integer model (what the switch and the C# stub compute) keeps the float model's quality.</summary>
public sealed class QuantizationQualityTests
{
    [Fact]
    public void Fixed_point_model_is_within_one_point_of_the_float_model_on_nsl_kdd()
    {
        string specPath = Path.Combine(Repository.Root, "samples", "AnomalyDetection", "anomaly.hspec");
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(specPath, File.ReadAllText(specPath), diagnostics);
        Assert.NotNull(spec);
        var files = DataLoader.ReadFiles(spec!, diagnostics)!;
        var data = DataLoader.Load(spec!, files, diagnostics);
        Assert.NotNull(data);

        var trained = MlpFamily.Train(data!, spec!.Dnn, spec.Seed, default);

        Assert.True(trained.FloatTest.WeightedF1 > 0.75, $"float model F1 {trained.FloatTest.WeightedF1}");
        Assert.True(trained.FloatTest.WeightedF1 - trained.QuantizedTest.WeightedF1 <= 0.01,
            $"float {trained.FloatTest.WeightedF1:0.####} vs fixed point {trained.QuantizedTest.WeightedF1:0.####}");

        // The reported fixed-point figure is the reference interpreter's, row by row.
        var model = new ModelFile { Features = data!.Features.ToEquatableArray(), Classes = data.Classes.ToEquatableArray(), Model = trained.Model };
        var predictions = Enumerable.Range(0, data.Test.Rows).Select(r => ReferenceInterpreter.Predict(model, data.Test.Row(r))).ToArray();
        Assert.Equal(trained.QuantizedTest, Metrics.Compute(data.Test.Classes, predictions, 2) with { F1PerClass = trained.QuantizedTest.F1PerClass });
    }
}
