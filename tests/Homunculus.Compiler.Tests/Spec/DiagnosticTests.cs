using System.IO;
using System.Linq;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Spec;

/// <summary>Every mistake a user can make gets its HMC code, with the file, line and column to fix.</summary>
public sealed class DiagnosticTests
{
    private static (TempProject Project, Homunculus.Compiler.Diagnostics.Diagnostic Diagnostic) Run(string spec, string code, string? csv = null)
    {
        var project = new TempProject().Spec(spec).File("train.csv", csv ?? TempProject.ToyCsv(60));
        var result = project.Compile();
        return (project, TempProject.Single(result, code));
    }

    private static void AssertAt(TempProject project, Homunculus.Compiler.Diagnostics.Diagnostic d, string file, string needle)
    {
        var (line, column) = project.Find(file, needle);
        Assert.NotNull(d.Location);
        Assert.Equal(Path.Combine(project.Root, file), d.Location!.File);
        Assert.Equal(line, d.Location.Line);
        Assert.Equal(column, d.Location.Column);
    }

    [Fact]
    public void Json_syntax_error_points_at_the_broken_place()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"seed\": 7", "\"seed\": 7,,"), "HMC0001");
        using (p)
        {
            var (line, _) = p.Find("spec.hspec", "\"seed\"");
            Assert.Equal(line, d.Location!.Line);
            Assert.True(d.Location.Column > 0);
            Assert.DoesNotContain("Path '", d.Message);
        }
    }

    [Fact]
    public void Missing_required_property_is_reported()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"label\": \"label\",", ""), "HMC0002");
        using (p)
        {
            Assert.Contains("data.label", d.Message);
            Assert.Equal(p.Find("spec.hspec", "\"data\"").Line, d.Location!.Line);
        }
    }

    [Fact]
    public void Wrong_value_type_is_reported_at_the_value()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"epochs\": 20", "\"epochs\": \"twenty\""), "HMC0003");
        using (p) AssertAt(p, d, "spec.hspec", "\"twenty\"");
    }

    [Fact]
    public void Unknown_property_suggests_the_known_one()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"label\": \"label\"", "\"lable\": \"label\", \"label\": \"label\""), "HMC0004");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"lable\"");
            Assert.Contains("did you mean 'label'", d.Message);
        }
    }

    [Fact]
    public void Invalid_value_is_reported_at_the_value()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"algorithms\"", "\"objective\": \"precision\", \"algorithms\""), "HMC0005");
        using (p) AssertAt(p, d, "spec.hspec", "\"precision\"");
    }

    [Fact]
    public void Features_mapping_to_one_identifier_collide()
    {
        var csv = "a b,a_b,label\n1,2,x\n3,4,y\n";
        var spec = TempProject.ToySpec.Replace("[\"a\", \"b\", \"rate\", { \"name\": \"proto\", \"type\": \"categorical\" }]", "[\"a b\", \"a_b\"]")
            .Replace("\"classes\": { \"small\": [\"small\"], \"big\": \"*\" }", "\"classes\": { \"x\": [\"x\"], \"y\": \"*\" }");
        var (p, d) = Run(spec, "HMC0006", csv);
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"a_b\"");
            Assert.Contains("'a b'", d.Message);
        }
    }

    [Fact]
    public void Missing_data_file_names_the_resolved_path_at_the_train_value()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"train.csv\"", "\"nowhere/train.csv\""), "HMC1001");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"nowhere/train.csv\"");
            Assert.Contains(Path.Combine(p.Root, "nowhere", "train.csv"), d.Message);
        }
    }

    [Fact]
    public void Unknown_column_is_reported_at_the_feature()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"rate\"", "\"ratio\""), "HMC1002");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"ratio\"");
            Assert.Contains("rate", d.Message);   // the columns that exist
        }
    }

    [Fact]
    public void Missing_label_column_is_reported_at_the_label()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"label\": \"label\"", "\"label\": \"class\""), "HMC1003");
        using (p) AssertAt(p, d, "spec.hspec", "\"class\"");
    }

    [Fact]
    public void Non_numeric_value_in_numeric_feature_points_into_the_data_file()
    {
        var csv = TempProject.ToyCsv(60);
        var lines = csv.Split('\n');
        var fields = lines[5].Split(',');
        fields[1] = "lots";
        lines[5] = string.Join(",", fields);
        var (p, d) = Run(TempProject.ToySpec, "HMC1004", string.Join("\n", lines));
        using (p)
        {
            AssertAt(p, d, "train.csv", "lots");
            Assert.Contains("'b'", d.Message);
        }
    }

    [Fact]
    public void Row_with_the_wrong_number_of_fields_is_reported()
    {
        var csv = TempProject.ToyCsv(30) + "1,2,3\n";
        var (p, d) = Run(TempProject.ToySpec, "HMC1005", csv);
        using (p) Assert.Equal(32, d.Location!.Line);
    }

    [Fact]
    public void Label_without_a_class_is_reported()
    {
        var spec = TempProject.ToySpec.Replace("\"big\": \"*\"", "\"big\": [\"big\"]");
        var csv = TempProject.ToyCsv(30) + "1,2,0.5,tcp,huge\n";
        var (p, d) = Run(spec, "HMC1006", csv);
        using (p) AssertAt(p, d, "train.csv", "huge");
    }

    [Fact]
    public void Data_file_without_rows_is_reported()
    {
        var (p, d) = Run(TempProject.ToySpec, "HMC1007", "a,b,rate,proto,label\n");
        using (p) AssertAt(p, d, "spec.hspec", "\"train.csv\"");
    }

    [Fact]
    public void Training_data_with_one_class_is_reported()
    {
        var csv = "a,b,rate,proto,label\n1,2,0.1,tcp,small\n3,4,0.2,udp,small\n";
        var (p, d) = Run(TempProject.ToySpec, "HMC1008", csv);
        using (p) AssertAt(p, d, "spec.hspec", "\"label\",");
    }

    [Fact]
    public void Unknown_algorithm_lists_the_available_ones()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("[\"dnn\"]", "[\"dnn\", \"lstm\"]"), "HMC2001");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"lstm\"");
            Assert.Contains("dnn", d.Message);
        }
    }

    [Fact]
    public void Unknown_target_is_reported()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"taurus\"", "\"fpga\""), "HMC2002");
        using (p) AssertAt(p, d, "spec.hspec", "\"fpga\"");
    }

    [Fact]
    public void Model_over_the_latency_budget_fails_with_the_figures()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"latencyNs\": 500", "\"latencyNs\": 5"), "HMC2003");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"taurus\"");
            Assert.Contains("latency", d.Message);
            Assert.Contains("at most 5 ns", d.Message);
            Assert.False(File.Exists(Path.Combine(p.OutputFolder, "model.json")));
        }
    }

    [Fact]
    public void Dnn_on_tofino_says_why_it_cannot_run()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"taurus\", \"latencyNs\": 500", "\"tofino\""), "HMC2004");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"tofino\"");
            Assert.Contains("multiply", d.Message);
        }
    }

    [Fact]
    public void Unknown_resource_key_for_the_target_is_reported()
    {
        var (p, d) = Run(TempProject.ToySpec.Replace("\"latencyNs\": 500", "\"latencyNs\": 500, \"resources\": { \"stages\": 12 }"), "HMC0004");
        using (p)
        {
            AssertAt(p, d, "spec.hspec", "\"stages\"");
            Assert.Contains("rows", d.Message);
        }
    }

    [Fact]
    public void Every_diagnostic_is_documented()
    {
        string docs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "diagnostics.md"));
        var missing = Homunculus.Model.Diagnostics.DiagnosticCatalog.All.Where(d => !docs.Contains(d.Code)).Select(d => d.Code).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Diagnostic_codes_are_unique()
    {
        var codes = Homunculus.Model.Diagnostics.DiagnosticCatalog.All.Select(d => d.Code).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }
}
