using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Compiler.Training;
using Json.Schema;

namespace Homunculus.Compiler.Tests.Spec;

/// <summary>The JSON schema shipped in the SDK describes the format the parser reads, and every .hspec we ship is valid.</summary>
public sealed class SchemaTests
{
    private static readonly string SchemaPath = Path.Combine(Repository.Root, "Homunculus.Sdk", "schema", "hspec.schema.json");

    private static JsonSchema Schema() => JsonSchema.FromText(File.ReadAllText(SchemaPath));

    private static JsonElement Parse(string hspecText)
    {
        // The schema speaks JSON; the .hspec allows comments.
        var json = HSpecParser.LoadJson(hspecText, out var error) ?? throw new InvalidOperationException(error!.Message);
        return JsonDocument.Parse(json.ToString()).RootElement.Clone();
    }

    public static IEnumerable<object[]> ShippedSpecs() =>
        new[] { "samples", "templates", "bench" }
            .Select(d => Path.Combine(Repository.Root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.hspec", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p => new object[] { Path.GetRelativePath(Repository.Root, p) });

    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void Shipped_specs_are_valid(string relativePath)
    {
        var results = Schema().Evaluate(Parse(File.ReadAllText(Path.Combine(Repository.Root, relativePath))), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, string.Join("\n", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    [Fact]
    public void A_misspelt_property_is_invalid()
    {
        var results = Schema().Evaluate(Parse(TempProject.ToySpec.Replace("\"label\": \"label\"", "\"lable\": \"label\"")), new EvaluationOptions { OutputFormat = OutputFormat.Flag });
        Assert.False(results.IsValid);
    }

    [Fact]
    public void The_toy_spec_used_by_the_tests_is_valid()
    {
        Assert.True(Schema().Evaluate(Parse(TempProject.ToySpec)).IsValid);
    }

    /// <summary>Every property the parser accepts at each level is in the schema, and nothing else.</summary>
    [Theory]
    [InlineData("TopLevel", "")]
    [InlineData("DataProperties", "data")]
    [InlineData("PlatformProperties", "platform")]
    public void Schema_and_parser_name_the_same_properties(string parserField, string schemaPath)
    {
        var accepted = (string[])typeof(HSpecParser).GetField(parserField, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        // "data" holds the CSV/ARFF properties and the pcap ones (docs/packet-features.md).
        if (parserField == "DataProperties")
            accepted = accepted.Union((string[])typeof(HSpecParser).GetField("PcapDataProperties", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!).ToArray();
        var node = JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement;
        foreach (var part in schemaPath.Split('.', StringSplitOptions.RemoveEmptyEntries)) node = node.GetProperty("properties").GetProperty(part);
        var declared = node.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(accepted.OrderBy(x => x, StringComparer.Ordinal), declared.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_describes_every_model_family()
    {
        var model = JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement.GetProperty("properties").GetProperty("model").GetProperty("properties");
        Assert.Equal(ModelFamilies.Names.OrderBy(x => x, StringComparer.Ordinal), model.EnumerateObject().Select(p => p.Name).OrderBy(x => x, StringComparer.Ordinal));
    }
}
