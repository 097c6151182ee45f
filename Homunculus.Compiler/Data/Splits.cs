using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Compiler.Data;

/// <summary>Seeded, stratified splits: the same seed and labels always give the same rows.</summary>
public static class Splits
{
    public static (List<int> Keep, List<int> HeldOut) Stratified(IReadOnlyList<int> classes, double fraction, int seed)
    {
        var random = new Random(seed);
        var keep = new List<int>();
        var heldOut = new List<int>();
        foreach (var group in Enumerable.Range(0, classes.Count).GroupBy(i => classes[i]).OrderBy(g => g.Key))
        {
            var rows = group.ToArray();
            Shuffle(rows, random);
            int take = (int)Math.Round(rows.Length * fraction, MidpointRounding.AwayFromZero);
            if (rows.Length > 1) take = Math.Clamp(take, 1, rows.Length - 1);
            else take = 0;
            heldOut.AddRange(rows.Take(take));
            keep.AddRange(rows.Skip(take));
        }
        keep.Sort();
        heldOut.Sort();
        return (keep, heldOut);
    }

    public static void Shuffle<T>(T[] items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
