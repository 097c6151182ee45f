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

        var family = new MlpFamily();
        var set = new TrainingSet(data!.Features, data.Classes, data.Train, data.Train, data.Test);
        var result = family.Train(set, spec!.Settings["dnn"], spec.Seed, default);

        var model = new ModelFile { Features = data.Features.ToEquatableArray(), Classes = data.Classes.ToEquatableArray(), Model = result.Model };
        var floatTest = Metrics.Compute(data.Test.Classes, result.FloatTest, 2);
        // The fixed-point model is what the reference interpreter computes, row by row (the switch and the stub agree with it).
        var predictions = Enumerable.Range(0, data.Test.Rows).Select(r => ReferenceInterpreter.Predict(model, data.Test.Row(r))).ToArray();
        var fixedTest = Metrics.Compute(data.Test.Classes, predictions, 2);

        Assert.True(floatTest.WeightedF1 > 0.75, $"float model F1 {floatTest.WeightedF1}");
        Assert.True(floatTest.WeightedF1 - fixedTest.WeightedF1 <= 0.01,
            $"float {floatTest.WeightedF1:0.####} vs fixed point {fixedTest.WeightedF1:0.####}");
    }
}
