using System.Linq;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>A whole compilation for <c>"target": "tofino"</c> with tree, forest and svm candidates.</summary>
public sealed class TofinoCompilationTests
{
    [Fact]
    public void Tree_forest_and_svm_compile_for_tofino_and_the_chosen_model_is_simulated_exactly()
    {
        using var project = new TempProject()
            .File("train.csv", TempProject.ToyCsv(400))
            .Spec(TempProject.ToySpec
                .Replace("\"algorithms\": [\"dnn\"]", "\"algorithms\": [\"tree\", \"forest\", \"svm\"]")
                .Replace("\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 } },", "\"model\": { \"forest\": { \"trees\": 4 } },")
                .Replace("\"target\": \"taurus\", \"latencyNs\": 500", "\"target\": \"tofino\""));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var model = result.Model!;
        Assert.Equal("tofino", model.Platform.Target);
        Assert.Contains(model.Platform.Resources, r => r.Name == "MAU stages" && r.Value >= 1 && r.Budget == 12);
        Assert.Contains(model.Platform.Resources, r => r.Name == "stage 0 logical tables");
        Assert.Contains("tna/toy.p4", result.Files!.Keys);
        Assert.Contains("tna/toy_entries.py", result.Files.Keys);
        var simulator = new TnaSimulator(result.Files["tna/toy_entries.json"]);
        foreach (var row in TnaEmitterTests.Rows(model, 500, 5))
            Assert.Equal(ReferenceInterpreter.Predict(model, row), simulator.Run(model, row));
    }
}
