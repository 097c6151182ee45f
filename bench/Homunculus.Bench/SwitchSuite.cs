using Homunculus.Compiler.Pipeline;

namespace Homunculus.Bench;

/// <summary>
/// Suite 5: tables, entries and stages for the same trees, our Tofino mapping against Planter's
/// encode-based one. Pending until the Tofino mapping (issue 6) exposes its comparison.
/// </summary>
public static class SwitchSuite
{
    public static SuiteResult Run(RunContext context)
    {
        bool comparisonExists = typeof(Compilation).Assembly.GetTypes()
            .Any(t => t.Name.Contains("Planter", StringComparison.OrdinalIgnoreCase));
        return new SuiteResult
        {
            Title = "Switch efficiency (Tofino): our tree mapping vs Planter's encode-based mapping",
            Pending = comparisonExists
                ? "tofino mapping (a Planter comparison exists in Homunculus.Compiler; wire it in bench/Homunculus.Bench/SwitchSuite.cs)"
                : "tofino mapping (issue 6: the Tofino tree mapping and its comparison with Planter's encode-based mapping have not landed)",
            Description =
            {
                "Planned table, per application and tree family (tree, forest, boosted) trained once: tables, entries, stages (and SRAM/TCAM) of our mapping vs Planter's encode-based mapping (per-feature range tables + one exact table on the tuple of codes; forests: vote tables, num_classes^num_trees entries).",
            },
        };
    }
}
