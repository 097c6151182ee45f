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
    [InlineData("FilterProperties", "data.filter")]
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

    private static string[] ParserList(string name) => (string[])typeof(HSpecParser).GetField(name, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>The pcap capture entries of train and test (and their filters) name what the parser accepts.</summary>
    [Fact]
    public void Schema_and_parser_name_the_same_capture_entry_properties()
    {
        var data = JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement.GetProperty("properties").GetProperty("data").GetProperty("properties");
        foreach (var split in new[] { "train", "test" })
        {
            var entry = data.GetProperty(split).GetProperty("oneOf").EnumerateArray()
                .Single(o => o.TryGetProperty("type", out var t) && t.GetString() == "array")
                .GetProperty("items").GetProperty("oneOf").EnumerateArray()
                .Single(o => o.TryGetProperty("type", out var t) && t.GetString() == "object");
            var properties = entry.GetProperty("properties");
            Assert.Equal(ParserList("PcapSourceProperties").Order(StringComparer.Ordinal), properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(ParserList("FilterProperties").Order(StringComparer.Ordinal), properties.GetProperty("filter").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(511, properties.GetProperty("ingressPort").GetProperty("maximum").GetInt32());
        }
        Assert.Equal(511, data.GetProperty("ingressPort").GetProperty("maximum").GetInt32());
    }

    [Fact]
    public void Ports_and_IP_filters_are_valid_and_a_port_beyond_511_is_not()
    {
        const string spec = """
            {
              "name": "Ported",
              "data": {
                "format": "pcap",
                "train": [
                  { "files": "a/*.pcap", "label": "a", "ingressPort": 3, "filter": { "ipSrc": "10.0.0.1", "ethSrc": "02:00:00:00:00:01" } },
                  { "files": "b/*.pcap", "label": "b", "filter": { "ipSrcFile": "ip.txt" } }
                ],
                "test": [{ "files": "t/*.pcap", "label": "a", "ingressPort": 0 }],
                "filter": { "ipSrc": "fe80::1" },
                "ingressPort": 5
              },
              "features": ["ingress.port", { "field": "ipv4.ttl", "name": "ttl" }],
              "platform": { "target": "bmv2" }
            }
            """;
        var results = Schema().Evaluate(Parse(spec), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, string.Join("\n", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        Assert.False(Schema().Evaluate(Parse(spec.Replace("\"ingressPort\": 5", "\"ingressPort\": 512", StringComparison.Ordinal))).IsValid);
        Assert.False(Schema().Evaluate(Parse(spec.Replace("\"ipSrcFile\"", "\"ipSource\"", StringComparison.Ordinal))).IsValid);
    }

    /// <summary>A feature's "field" lists every packet and flow field of the catalogues, and nothing else.</summary>
    [Fact]
    public void Schema_lists_every_packet_and_flow_field()
    {
        var root = JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement;
        var fields = root.GetProperty("properties").GetProperty("features").GetProperty("items").GetProperty("oneOf").EnumerateArray()
            .Where(o => o.TryGetProperty("properties", out _))
            .Select(o => o.GetProperty("properties").GetProperty("field").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList())
            .Single();
        Assert.Equal(Homunculus.Model.Packets.PacketFields.Names.Concat(Homunculus.Model.Packets.FlowFields.Names), fields);
    }

    [Fact]
    public void Schema_describes_every_model_family()
    {
        var model = JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement.GetProperty("properties").GetProperty("model").GetProperty("properties");
        Assert.Equal(ModelFamilies.Names.OrderBy(x => x, StringComparer.Ordinal), model.EnumerateObject().Select(p => p.Name).OrderBy(x => x, StringComparer.Ordinal));
    }
}
