using System.Linq;
using Homunculus.Compiler.Tests.Support;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>A model no Tofino mapping can hold is infeasible, never compiled as if it fitted.</summary>
public sealed class TofinoUnmappableTests
{
    [Fact]
    public void A_forest_with_too_many_thresholds_for_any_mapping_is_not_reported_as_fitting()
    {
        var spec = TempProject.ToySpec
            .Replace("\"algorithms\": [\"dnn\"]", "\"algorithms\": [\"forest\"]")
            .Replace("\"model\": { \"dnn\": { \"hidden\": [6, 4], \"epochs\": 20 } }", "\"model\": { \"forest\": { \"trees\": 25, \"depth\": 12 } }")
            .Replace("\"platform\": { \"target\": \"taurus\", \"latencyNs\": 500 }", "\"platform\": { \"target\": \"tofino\" }");
        using var project = new TempProject().Spec(spec).File("train.csv", TempProject.ToyCsv(3000));
        var result = project.Compile();
        if (result.Success)
        {
            // If a mapping was found, it must really be a program whose figures all fit.
            Assert.True(result.Files!.ContainsKey("tna/toy.p4"));
            Assert.All(result.Model!.Platform.Resources, f => Assert.True(f.Fits, f.Name));
        }
        else
        {
            var d = result.Diagnostics.First(x => x.IsError);
            Assert.Contains(d.Descriptor.Code, new[] { "HMC2003", "HMC2007" });
            Assert.Contains("mapping", d.Message);
        }
    }
}
