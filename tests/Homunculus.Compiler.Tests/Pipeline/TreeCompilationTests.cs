using System.IO;
using System.Linq;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Pipeline;

/// <summary>The tree families through the whole compiler: candidates side by side, outputs, and targets without an emitter.</summary>
public sealed class TreeCompilationTests
{
    [Fact]
    public void Dnn_and_the_tree_families_compile_together_and_the_report_lists_every_candidate()
    {
        using var project = new TempProject()
            .File("train.csv", TempProject.ToyCsv(600))
            .Spec(TempProject.ToySpec
                .Replace("\"algorithms\": [\"dnn\"]", "\"algorithms\": [\"dnn\", \"tree\", \"forest\", \"boosted\"]")
                .Replace("\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 } }",
                    "\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 }, \"forest\": { \"trees\": 5 }, \"boosted\": { \"trees\": 10, \"leaves\": 8 } }"));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string report = result.Files!["report.md"];
        foreach (var algorithm in new[] { "dnn", "tree", "forest", "boosted" })
            Assert.Contains($"| {algorithm} |", report);
        var model = result.Model!;
        Assert.Contains(model.Algorithm, new[] { "dnn", "tree", "forest", "boosted" });
        Assert.Contains(result.Files.Keys, k => k.StartsWith("bmv2/", System.StringComparison.Ordinal));
        Assert.Contains(result.Files.Keys, k => k.StartsWith("taurus/", System.StringComparison.Ordinal));
        Assert.Equal(model, ModelFileJson.Deserialize(File.ReadAllText(Path.Combine(project.OutputFolder, "model.json"))));
    }

    [Theory]
    [InlineData("tree")]
    [InlineData("boosted")]
    public void A_tree_model_alone_compiles_for_bmv2_with_its_estimate(string algorithm)
    {
        using var project = new TempProject()
            .File("train.csv", TempProject.ToyCsv(400))
            .Spec(TempProject.ToySpec
                .Replace("\"algorithms\": [\"dnn\"]", $"\"algorithms\": [\"{algorithm}\"]")
                .Replace("\"target\": \"taurus\", \"latencyNs\": 500", "\"target\": \"bmv2\""));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var trees = Assert.IsType<TreeEnsembleModel>(result.Model!.Model);
        Assert.Empty(TreeInterpreter.Problems(trees, result.Model.Features.Count, result.Model.Classes.Count));
        Assert.Contains(result.Model.Platform.Resources, r => r.Name == "comparisons per packet (worst case)" && r.Value > 0);
        Assert.Contains("bmv2/toy.p4", result.Files!.Keys);
        Assert.Contains("taurus/Toy.scala", result.Files.Keys);
    }

    [Fact]
    public void Trees_on_tofino_compile_to_a_tna_program()
    {
        using var project = new TempProject()
            .File("train.csv", TempProject.ToyCsv(100))
            .Spec(TempProject.ToySpec
                .Replace("\"algorithms\": [\"dnn\"]", "\"algorithms\": [\"tree\"]")
                .Replace("\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 } },", "")
                .Replace("\"target\": \"taurus\", \"latencyNs\": 500", "\"target\": \"tofino\""));
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("tna/toy.p4", result.Files!.Keys);
    }
}
