using System.Linq;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Pipeline;

public sealed class ObjectiveTests
{
    [Fact]
    public void Minimum_not_reached_fails_and_says_by_how_much()
    {
        var spec = TempProject.ToySpec.Replace("\"algorithms\"", "\"objective\": { \"metric\": \"accuracy\", \"minimum\": 0.9999 }, \"algorithms\"");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300));
        var d = TempProject.Single(project.Compile(), "HMC2005");
        Assert.Matches(@"reaches 0\.\d+ accuracy on the test data, 0\.\d+ short of the minimum 0\.9999", d.Message);
        Assert.Equal(project.Find("spec.hspec", "{ \"metric\"").Line, d.Location!.Line);
    }

    [Fact]
    public void Minimum_as_warning_still_builds()
    {
        var spec = TempProject.ToySpec.Replace("\"algorithms\"", "\"objective\": { \"metric\": \"accuracy\", \"minimum\": 0.9999, \"belowMinimum\": \"warning\" }, \"algorithms\"");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300));
        var result = project.Compile();
        Assert.True(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Descriptor.Code == "HMC2006" && !d.IsError);
    }

    [Fact]
    public void Positive_class_sets_what_f1_measures()
    {
        var spec = TempProject.ToySpec.Replace("\"algorithms\"", "\"objective\": \"f1\", \"algorithms\"")
            .Replace("\"label\": \"label\",", "\"label\": \"label\", \"positiveClass\": \"small\",");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("(positive class: small)", result.Files!["report.md"]);
    }

    [Fact]
    public void Positive_class_that_is_no_class_is_reported()
    {
        var spec = TempProject.ToySpec.Replace("\"label\": \"label\",", "\"label\": \"label\", \"positiveClass\": \"huge\",");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(100));
        var d = TempProject.Single(project.Compile(), "HMC0005");
        Assert.Equal(project.Find("spec.hspec", "\"huge\""), (d.Location!.Line, d.Location.Column));
    }
}
