using System;
using System.IO;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Tests.Support;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Tests.Data;

/// <summary>The data shapes operators bring: ARFF, globs, quoting, missing values, declared encodings.</summary>
public sealed class DataShapesTests
{
    private static readonly string IscxSample = Path.Combine(AppContext.BaseDirectory, "TestData", "iscx-vpn2016", "vpn-15s-sample.arff");

    private const string ArffSpec = """
        {
          "name": "VpnDetector",
          "data": {
            "train": "vpn.arff",
            "label": "class1",
            "missing": { "values": [-1], "policy": "fill", "fill": 0 }
          },
          "features": ["duration", "min_fiat", "max_fiat", "flowBytesPerSecond", "min_active"],
          "model": { "dnn": { "hidden": [6], "epochs": 5 } },
          "platform": { "target": "bmv2" }
        }
        """;

    private static (LoadedData? Data, DiagnosticBag Diagnostics) Load(TempProject project)
    {
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(project.SpecPath, File.ReadAllText(project.SpecPath), diagnostics);
        if (spec is null) return (null, diagnostics);
        var files = DataLoader.ReadFiles(spec, diagnostics);
        return (files is null ? null : DataLoader.Load(spec, files, diagnostics), diagnostics);
    }

    [Fact]
    public void Arff_with_sentinel_missing_values_compiles()
    {
        using var project = new TempProject().Spec(ArffSpec).File("vpn.arff", File.ReadAllText(IscxSample));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(new[] { "Non-VPN", "VPN" }, result.Model!.Classes.Select(c => c.Name));
        Assert.Contains("missing values filled with '0'", result.Files!["report.md"]);
    }

    [Fact]
    public void Arff_header_lines_with_stray_commas_are_tolerated()
    {
        // The 30 s and 120 s ISCX files end every header line with commas, as a spreadsheet leaves them.
        var lines = File.ReadAllLines(IscxSample);
        int data = Array.FindIndex(lines, l => l.StartsWith("@DATA", StringComparison.Ordinal));
        var damaged = lines.Select((l, i) => i <= data && l.StartsWith('@') ? l + ",,,,,,,,,,,,,,,,,,,,,,," : l);
        using var project = new TempProject().Spec(ArffSpec).File("vpn.arff", string.Join("\n", damaged) + "\n");
        var (loaded, diagnostics) = Load(project);
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        Assert.Equal(376, loaded!.Train.Rows + loaded.Test.Rows);
    }

    [Fact]
    public void Broken_arff_header_is_reported_at_its_line()
    {
        using var project = new TempProject().Spec(ArffSpec).File("vpn.arff", "@RELATION x\n@ATTRIBUTE duration\n@DATA\n1\n");
        var d = TempProject.Single(project.Compile(), "HMC1011");
        Assert.Equal(Path.Combine(project.Root, "vpn.arff"), d.Location!.File);
        Assert.Equal(2, d.Location.Line);
    }

    [Fact]
    public void Missing_value_with_the_error_policy_names_file_line_and_fix()
    {
        using var project = new TempProject().Spec(ArffSpec.Replace("\"policy\": \"fill\", \"fill\": 0", "\"policy\": \"error\""))
            .File("vpn.arff", File.ReadAllText(IscxSample));
        var d = TempProject.Single(project.Compile(), "HMC1010");
        Assert.Contains("vpn.arff line", d.Message);
        Assert.Contains("drop-row", d.Message);
        Assert.Equal(Path.Combine(project.Root, "vpn.arff"), d.Location!.File);
        Assert.Contains("-1", File.ReadAllLines(Path.Combine(project.Root, "vpn.arff"))[d.Location.Line - 1]);
    }

    [Fact]
    public void Drop_row_policy_drops_and_counts_rows()
    {
        using var project = new TempProject().Spec(ArffSpec.Replace("\"policy\": \"fill\", \"fill\": 0", "\"policy\": \"drop-row\""))
            .File("vpn.arff", File.ReadAllText(IscxSample));
        var (loaded, diagnostics) = Load(project);
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        int total = loaded!.Train.Rows + loaded.Test.Rows;
        Assert.True(total < 376);
        Assert.Contains(loaded.Notes, n => n.Contains("rows with a missing value dropped"));
    }

    [Fact]
    public void Globs_concatenate_matching_files_in_ordinal_order()
    {
        string csv = TempProject.ToyCsv(200);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var project = new TempProject()
            .Spec(TempProject.ToySpec.Replace("\"train.csv\"", "\"parts/*.csv\""))
            .File("parts/b.csv", string.Join("\n", lines.Take(1).Concat(lines.Skip(101))) + "\n")
            .File("parts/a.csv", string.Join("\n", lines.Take(101)) + "\n")
            .File("parts/ignored.txt", "not data");
        var (loaded, diagnostics) = Load(project);
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        Assert.Equal(200, loaded!.Train.Rows + loaded.Test.Rows);
    }

    [Fact]
    public void Glob_matching_nothing_is_an_error_at_the_pattern()
    {
        using var project = new TempProject().Spec(TempProject.ToySpec.Replace("\"train.csv\"", "\"parts/*.csv\""));
        var d = TempProject.Single(project.Compile(), "HMC1012");
        Assert.Equal(project.Find("spec.hspec", "\"parts/*.csv\""), (d.Location!.Line, d.Location.Column));
    }

    [Fact]
    public void Quoted_fields_semicolons_and_crlf_are_read()
    {
        var spec = TempProject.ToySpec.Replace("\"label\": \"label\",", "\"label\": \"label\", \"delimiter\": \";\",");
        var csv = TempProject.ToyCsv(150).Replace(",", ";").Replace("\n", "\r\n").Replace(";tcp;", ";\"tcp\";");
        using var project = new TempProject().Spec(spec).File("train.csv", csv);
        var (loaded, diagnostics) = Load(project);
        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        Assert.Equal(new[] { "icmp", "tcp", "udp" }, loaded!.Features[3].Categories);
    }

    [Fact]
    public void Declared_encoding_overrides_the_derived_one_and_warns_about_clamped_values()
    {
        var spec = TempProject.ToySpec.Replace("[\"a\", \"b\", \"rate\"", "[{ \"name\": \"a\", \"min\": 100, \"max\": 600 }, { \"name\": \"b\", \"bits\": 20 }, { \"name\": \"rate\", \"scale\": 10 }");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(300));
        var result = project.Compile();
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var a = result.Model!.Features[0];
        Assert.Equal(100, a.Offset);
        Assert.Equal(500, a.Max);
        Assert.Equal(9, a.Bits);
        Assert.Equal(20, result.Model.Features[1].Bits);
        Assert.Equal(10, result.Model.Features[2].Scale);
        var warning = Assert.Single(result.Diagnostics, d => d.Descriptor.Code == "HMC1013");
        Assert.False(warning.IsError);
        Assert.Contains("'a'", warning.Message);
    }

    [Fact]
    public void Non_numeric_message_names_value_file_and_line()
    {
        var csv = TempProject.ToyCsv(40).Split('\n');
        csv[12] = "7,abc,0.5,tcp,small";
        using var project = new TempProject().Spec(TempProject.ToySpec).File("data/train.csv", string.Join("\n", csv));
        project.Spec(TempProject.ToySpec.Replace("\"train.csv\"", "\"data/train.csv\""));
        var d = TempProject.Single(project.Compile(), "HMC1004");
        Assert.Equal("feature 'b' has value 'abc' at data/train.csv line 13; expected a number (or declare the feature \"categorical\")", d.Message);
    }
}
