using System.IO;
using System.Linq;
using System.Text.Json;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Ir;
using Json.Schema;

namespace Homunculus.Compiler.Tests.Actions;

/// <summary>The .hspec's "actions" and "cpuSession" (docs/actions.md): parsing, the model file, and a diagnostic for every mistake.</summary>
public sealed class ActionSpecTests
{
    private static readonly string Bmv2Spec = TempProject.ToySpec.Replace("\"taurus\", \"latencyNs\": 500", "\"bmv2\"");

    private static string WithActions(string spec, string actions) => spec.Replace("\"seed\": 7", "\"seed\": 7,\n  " + actions);

    private static HSpec Parse(string text)
    {
        using var project = new TempProject().Spec(text);
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(project.SpecPath, text, diagnostics);
        Assert.True(spec is not null, string.Join("\n", diagnostics.Items));
        return spec!;
    }

    private static (TempProject Project, Diagnostic Diagnostic) Run(string spec, string code)
    {
        var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(60));
        return (project, TempProject.Single(project.Compile(), code));
    }

    private static void AssertAt(TempProject project, Diagnostic d, string needle)
    {
        var (line, column) = project.Find("spec.hspec", needle);
        Assert.Equal(Path.Combine(project.Root, "spec.hspec"), d.Location!.File);
        Assert.Equal((line, column), (d.Location.Line, d.Location.Column));
    }

    [Fact]
    public void Every_action_form_parses()
    {
        var spec = Parse(WithActions(Bmv2Spec, "\"actions\": { \"small\": \"forward\", \"big\": \"drop\", \"x\": \"cpu\", \"y\": \"digest\", \"z\": { \"dscp\": 46 }, \"w\": { \"port\": 511 } }"));
        Assert.Equal(new[] { "small", "big", "x", "y", "z", "w" }, spec.Actions.Select(a => a.ClassName));
        Assert.Equal(
            new[] { (ClassActionKind.Forward, 0), (ClassActionKind.Drop, 0), (ClassActionKind.Cpu, ClassAction.DefaultCpuSession), (ClassActionKind.Digest, 0), (ClassActionKind.Dscp, 46), (ClassActionKind.Port, 511) },
            spec.Actions.Select(a => (a.Action.Kind, a.Action.Value)));
        Assert.Empty(Parse(Bmv2Spec).Actions);
        var session = Parse(WithActions(Bmv2Spec, "\"cpuSession\": 7, \"actions\": { \"big\": \"cpu\" }"));
        Assert.Equal(7, session.Actions.Single().Action.Value);
    }

    [Fact]
    public void Actions_reach_the_model_file_and_the_program_forward_stays_absent()
    {
        using var project = new TempProject()
            .Spec(WithActions(Bmv2Spec, "\"actions\": { \"small\": \"forward\", \"big\": \"drop\" }"))
            .File("train.csv", TempProject.ToyCsv(200));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var model = result.Model!;
        Assert.Null(model.Classes.Single(c => c.Name == "small").Action);
        Assert.Equal(new ClassAction { Kind = ClassActionKind.Drop }, model.Classes.Single(c => c.Name == "big").Action);
        string json = result.Files!["model.json"];
        Assert.Equal(1, json.Split("\"action\"").Length - 1);
        Assert.Matches("\"action\": \\{\\s*\"kind\": \"drop\"\\s*\\}", json);
        Assert.Equal(model, ModelFileJson.Deserialize(ModelFileJson.Serialize(model)));
        Assert.Contains("mark_to_drop(sm);", result.Files["bmv2/toy.p4"]);
    }

    [Fact]
    public void Model_files_without_actions_serialize_as_before()
    {
        var model = Emitters.EmitterTestModels.TrafficClasses();
        Assert.DoesNotContain("\"action\"", ModelFileJson.Serialize(model));
        var acting = ActionTestModels.TrafficActions();
        Assert.Equal(acting, ModelFileJson.Deserialize(ModelFileJson.Serialize(acting)));
        Assert.Contains("\"value\": 5", ModelFileJson.Serialize(acting));
    }

    [Fact]
    public void Action_for_an_unknown_class_is_reported_at_the_class_name()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"huge\": \"drop\" }"), "HMC0030");
        using (p)
        {
            AssertAt(p, d, "\"huge\"");
            Assert.Contains("small, big", d.Message);
        }
    }

    [Fact]
    public void Action_for_a_class_named_by_the_data_is_accepted()
    {
        // Without data.classes the classes are the label values: "big" and "small".
        string spec = WithActions(Bmv2Spec.Replace(",\n    \"classes\": { \"small\": [\"small\"], \"big\": \"*\" }", ""), "\"actions\": { \"big\": \"digest\" }");
        Assert.DoesNotContain("\"classes\"", spec);
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(200));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(ClassActionKind.Digest, result.Model!.Classes.Single(c => c.Name == "big").Action!.Kind);
    }

    [Fact]
    public void Unknown_action_suggests_the_closest()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"big\": \"dorp\" }"), "HMC0031");
        using (p)
        {
            AssertAt(p, d, "\"dorp\"");
            Assert.Contains("did you mean 'drop'", d.Message);
        }
    }

    [Fact]
    public void Unknown_action_object_is_reported_at_its_key()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"big\": { \"dscpp\": 4 } }"), "HMC0031");
        using (p)
        {
            AssertAt(p, d, "\"dscpp\"");
            Assert.Contains("did you mean 'dscp'", d.Message);
        }
    }

    [Fact]
    public void Action_that_needs_a_number_says_so()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"big\": \"port\" }"), "HMC0031");
        using (p)
        {
            AssertAt(p, d, "\"port\" }");
            Assert.Contains("{\"port\": <number>}", d.Message);
        }
    }

    [Theory]
    [InlineData("\"actions\": { \"big\": { \"dscp\": 64 } }", "64", "between 0 and 63")]
    [InlineData("\"actions\": { \"big\": { \"port\": 512 } }", "512", "between 0 and 511")]
    [InlineData("\"cpuSession\": 4096, \"actions\": { \"big\": \"cpu\" }", "4096", "between 1 and 1023")]
    public void Out_of_range_numbers_are_reported_at_the_number(string actions, string needle, string message)
    {
        var (p, d) = Run(WithActions(Bmv2Spec, actions), "HMC0005");
        using (p)
        {
            AssertAt(p, d, needle);
            Assert.Contains(message, d.Message);
        }
    }

    [Fact]
    public void Action_of_the_wrong_type_is_reported()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"big\": true }"), "HMC0003");
        using (p) AssertAt(p, d, "true");
    }

    [Fact]
    public void DSCP_needs_a_program_that_parses_the_IP_header()
    {
        var (p, d) = Run(WithActions(Bmv2Spec, "\"actions\": { \"big\": { \"dscp\": 46 } }"), "HMC2030");
        using (p)
        {
            AssertAt(p, d, "{ \"dscp\": 46 }");
            Assert.Contains("packet fields", d.Message);
            Assert.Contains("dscp 46", d.Message);
        }
    }

    [Fact]
    public void Taurus_programs_take_no_actions()
    {
        var (p, d) = Run(WithActions(TempProject.ToySpec, "\"actions\": { \"big\": \"drop\" }"), "HMC2030");
        using (p)
        {
            AssertAt(p, d, "\"drop\"");
            Assert.Contains("taurus", d.Message);
        }
    }

    [Fact]
    public void Schema_describes_the_actions()
    {
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(Repository.Root, "Homunculus.Sdk", "schema", "hspec.schema.json")));
        bool Valid(string text) => schema.Evaluate(JsonDocument.Parse(HSpecParser.LoadJson(text, out _)!.ToString()).RootElement).IsValid;
        Assert.True(Valid(WithActions(Bmv2Spec, "\"cpuSession\": 9, \"actions\": { \"small\": \"forward\", \"big\": \"drop\", \"x\": \"cpu\", \"y\": \"digest\", \"z\": { \"dscp\": 46 }, \"w\": { \"port\": 3 } }")));
        Assert.False(Valid(WithActions(Bmv2Spec, "\"actions\": { \"big\": \"dorp\" }")));
        Assert.False(Valid(WithActions(Bmv2Spec, "\"actions\": { \"big\": { \"dscp\": 64 } }")));
        Assert.False(Valid(WithActions(Bmv2Spec, "\"actions\": { \"big\": { \"dscp\": 4, \"port\": 3 } }")));
    }
}
