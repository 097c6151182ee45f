using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Schedule;

/// <summary>The .hspec's "models" (docs/schedule.md): parsing, the order, the shares, and every diagnostic with its line and column.</summary>
public sealed class ScheduleSpecTests
{
    private const string Head = """
        {
          "name": "Toy",
          "data": { "train": "train.csv", "label": "label", "classes": { "small": ["small"], "big": "*" } },
          "features": ["a", "b", "rate", { "name": "proto", "type": "categorical" }],
          "algorithms": ["tree"],
          "platform": { "target": "bmv2" },
        """;

    private static string Spec(string models, string extra = "") => Head + extra + "\n  \"models\": " + models + "\n}\n";

    private static HSpec? Parse(string text, out DiagnosticBag bag)
    {
        bag = new DiagnosticBag();
        return HSpecParser.Parse("/x/spec.hspec", text, bag);
    }

    [Fact]
    public void Models_are_parsed_in_schedule_order_with_their_defaults_and_shares()
    {
        var spec = Parse(Spec("""
            [
              { "name": "late", "after": "first", "when": ["big"], "features": ["rate", "a"], "algorithms": ["forest"], "share": 0.5 },
              { "name": "first", "classes": { "small": ["small"], "big": "*" } },
              { "name": "side", "input": false, "model": { "tree": { "depth": 3 } } }
            ]
            """), out var bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        Assert.Equal(new[] { "first", "late", "side" }, spec!.Models.Select(m => m.Name));
        var late = spec.Models[1];
        Assert.Equal(new[] { "a", "rate" }, late.Features.Select(f => f.Name));
        Assert.Equal(new[] { "forest" }, late.Algorithms);
        Assert.Equal("big", late.When.Single().Class);
        Assert.Equal((0.25, 0.5, 0.25), (spec.Models[0].Share, late.Share, spec.Models[2].Share));
        Assert.Equal(4, spec.Models[0].Features.Count);
        Assert.Equal(new[] { "tree" }, spec.Models[2].Algorithms);
        Assert.Contains("tree", spec.Models[2].ExplicitSettings);
    }

    private static void AssertAt(TempProject project, Diagnostic d, string needle)
    {
        var (line, column) = project.Find("spec.hspec", needle);
        Assert.True((line, column) == (d.Location!.Line, d.Location.Column), $"{d}: expected at {line},{column} ('{needle}')");
    }

    private static Diagnostic Fails(string models, string code, string at, string extra = "") => FailsWith(Spec(models, extra), code, at);

    private static Diagnostic FailsWith(string text, string code, string at)
    {
        using var project = new TempProject();
        project.File("train.csv", TempProject.ToyCsv()).Spec(text);
        var d = TempProject.Single(project.Compile(cache: false), code);
        AssertAt(project, d, at);
        return d;
    }

    [Fact]
    public void An_unknown_earlier_model_is_HMC0040()
    {
        var d = Fails("""[{ "name": "one" }, { "name": "two", "after": "three" }]""", "HMC0040", "\"three\"");
        Assert.Contains("one, two", d.Message);
    }

    [Fact]
    public void A_cycle_is_HMC0041()
    {
        var d = Fails("""[{ "name": "one", "after": "two" }, { "name": "two", "after": "one" }]""", "HMC0041", "\"two\" }");
        Assert.Contains("'one' -> 'two' -> 'one'", d.Message);
        Fails("""[{ "name": "one", "after": "one" }]""", "HMC0041", "\"one\" }");
    }

    [Fact]
    public void An_unknown_class_in_when_is_HMC0042_when_declared_and_once_the_data_is_read()
    {
        var d = Fails("""[{ "name": "one" }, { "name": "two", "after": "one", "when": ["huge"] }]""", "HMC0042", "\"huge\"");
        Assert.Contains("small, big", d.Message);
        // Classes from the labels: known only once the data is read.
        string labels = Spec("""[{ "name": "one" }, { "name": "two", "after": "one", "when": "huge" }]""")
            .Replace(", \"classes\": { \"small\": [\"small\"], \"big\": \"*\" }", "", StringComparison.Ordinal);
        Assert.Contains("(classes: big, small)", FailsWith(labels, "HMC0042", "\"huge\"").Message);
    }

    [Fact]
    public void An_unknown_feature_of_a_model_is_HMC0043()
    {
        var d = Fails("""[{ "name": "one", "features": ["a", "c"] }]""", "HMC0043", "\"c\"");
        Assert.Contains("a, b, rate, proto", d.Message);
    }

    [Theory]
    [InlineData("""[{ "name": "one", "when": "big" }]""", "\"big\" }]", "needs \"after\"")]
    [InlineData("""[{ "name": "one", "input": true }]""", "true", "needs \"after\"")]
    [InlineData("""[{ "name": "one", "share": 0.7 }, { "name": "two", "share": 0.6 }]""", "0.7", "more than the whole budget")]
    [InlineData("""[{ "name": "one", "share": 1 }, { "name": "two" }]""", "1 }", "leave nothing")]
    [InlineData("""[{ "name": "one" }, { "name": "one" }]""", "\"one\" }]", "twice")]
    [InlineData("""[{ "name": "decide" }]""", "\"Toy\"", "Decide")]
    public void Inconsistent_models_are_HMC0005(string models, string at, string message)
    {
        Assert.Contains(message, Fails(models, "HMC0005", at).Message);
    }

    [Fact]
    public void Actions_with_models_are_HMC0005_and_models_mapping_to_one_identifier_HMC0006()
    {
        Assert.Contains("cannot be combined", Fails("""[{ "name": "one" }]""", "HMC0005", "{ \"big\"", "\"actions\": { \"big\": \"drop\" },\n").Message);
        Assert.Contains("'one-a'", Fails("""[{ "name": "one a" }, { "name": "one-a" }]""", "HMC0006", "\"one-a\"").Message);
    }

    [Fact]
    public void Schema_describes_every_property_of_a_model()
    {
        var accepted = (string[])typeof(HSpecParser).GetField("ModelProperties", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "Homunculus.Sdk", "schema", "hspec.schema.json"))).RootElement;
        var declared = schema.GetProperty("properties").GetProperty("models").GetProperty("items").GetProperty("properties").EnumerateObject().Select(p => p.Name);
        Assert.Equal(accepted.OrderBy(x => x, StringComparer.Ordinal), declared.OrderBy(x => x, StringComparer.Ordinal));
    }
}
