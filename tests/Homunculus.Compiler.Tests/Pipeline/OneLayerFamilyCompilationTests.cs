using System.IO;
using System.Linq;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Pipeline;

/// <summary>The template's NSL-KDD program with every arithmetic family among the candidates, compiled end to end.</summary>
public sealed class OneLayerFamilyCompilationTests
{
    private static readonly string[] Algorithms = { "dnn", "svm", "logistic", "kmeans", "naive-bayes" };

    private static TempProject Project(string target)
    {
        string template = Path.Combine(Repository.Root, "templates", "content", "homunculus");
        string spec = File.ReadAllText(Path.Combine(template, "anomaly.hspec"));
        const string algorithms = "\"algorithms\": [\"dnn\"]";
        Assert.Contains(algorithms, spec);
        spec = spec.Replace(algorithms, "\"algorithms\": [" + string.Join(", ", Algorithms.Select(a => $"\"{a}\"")) + "]")
            .Replace("\"target\": \"taurus\"", $"\"target\": \"{target}\"");
        if (target != "taurus") spec = spec.Replace("\"resources\": { \"rows\": 12, \"cols\": 10 },", "");
        return new TempProject().Spec(spec)
            .File("data/train.csv", File.ReadAllText(Path.Combine(template, "data", "train.csv")))
            .File("data/test.csv", File.ReadAllText(Path.Combine(template, "data", "test.csv")));
    }

    [Fact]
    public void Every_family_is_a_candidate_and_the_report_lists_them()
    {
        using var project = Project("taurus");
        var result = project.Compile(cache: false);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string report = result.Files!["report.md"];
        foreach (var algorithm in Algorithms) Assert.Contains($"| {algorithm} |", report);
        Assert.Contains(result.Model!.Algorithm, Algorithms);
        // Whatever was chosen, the emitted programs exist for it.
        Assert.Contains(result.Files.Keys, k => k.StartsWith("taurus/", System.StringComparison.Ordinal) && k.EndsWith(".scala", System.StringComparison.Ordinal));
        Assert.Contains(result.Files.Keys, k => k.StartsWith("bmv2/", System.StringComparison.Ordinal) && k.EndsWith(".p4", System.StringComparison.Ordinal));
    }

    [Fact]
    public void Tofino_refuses_only_the_dnn_and_names_the_reason()
    {
        using var project = Project("tofino");
        var result = project.Compile(cache: false);
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Descriptor.Code == "HMC2004" && d.Message.Contains("algorithm 'dnn' cannot run on tofino", System.StringComparison.Ordinal));
        foreach (var algorithm in Algorithms.Where(a => a != "dnn"))
            Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains($"algorithm '{algorithm}' cannot run on tofino", System.StringComparison.Ordinal));
    }
}
