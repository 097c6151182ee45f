using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;

namespace Homunculus.Compiler.Search;

public enum DimensionKind
{
    /// <summary>A whole number in Min..Max.</summary>
    Integer,
    /// <summary>A real number in Min..Max.</summary>
    Real,
    /// <summary>One of <see cref="Dimension.Choices"/> (ordered values, e.g. batch sizes).</summary>
    Choice,
}

/// <summary>
/// One axis of a design space: a hyperparameter with its documented range. Values are kept in their own
/// units (integers as whole doubles); the surrogate sees them mapped to 0..1 (<see cref="ToUnit"/>),
/// on a log scale when <see cref="Log"/> is set.
/// </summary>
public sealed record Dimension(string Name, DimensionKind Kind, double Min, double Max, bool Log = false, IReadOnlyList<double>? Choices = null)
{
    public static Dimension Int(string name, int min, int max, bool log = false) => new(name, DimensionKind.Integer, min, max, log);

    public static Dimension Real(string name, double min, double max, bool log = false) => new(name, DimensionKind.Real, min, max, log);

    public static Dimension Choice(string name, params double[] choices) => new(name, DimensionKind.Choice, 0, choices.Length - 1, false, choices);

    /// <summary>The value's position in 0..1.</summary>
    public double ToUnit(double value)
    {
        if (Kind == DimensionKind.Choice)
        {
            int index = IndexOfChoice(value);
            return Choices!.Count <= 1 ? 0.5 : (double)index / (Choices.Count - 1);
        }
        if (Max <= Min) return 0.5;
        double v = Math.Clamp(value, Min, Max);
        return Log ? (Math.Log(v) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)) : (v - Min) / (Max - Min);
    }

    /// <summary>The value at position <paramref name="unit"/> (clamped to 0..1), snapped to the dimension's grid.</summary>
    public double FromUnit(double unit)
    {
        double u = Math.Clamp(unit, 0, 1);
        if (Kind == DimensionKind.Choice) return Choices![(int)Math.Round(u * (Choices.Count - 1), MidpointRounding.AwayFromZero)];
        double v = Log ? Math.Exp(Math.Log(Min) + u * (Math.Log(Max) - Math.Log(Min))) : Min + u * (Max - Min);
        return Snap(v);
    }

    /// <summary>The nearest value the dimension can take.</summary>
    public double Snap(double value)
    {
        if (Kind == DimensionKind.Choice) return Choices![IndexOfChoice(value)];
        double v = Math.Clamp(value, Min, Max);
        if (Kind == DimensionKind.Integer) return Math.Clamp(Math.Round(v, MidpointRounding.AwayFromZero), Math.Ceiling(Min), Math.Floor(Max));
        // Reals keep 4 significant digits: settings print and hash the same everywhere.
        return Math.Clamp(double.Parse(v.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), Min, Max);
    }

    public double Sample(Random random) => FromUnit(random.NextDouble());

    /// <summary>A nearby value: a Gaussian step of 0.15 in unit space (at least one grid step for integers and choices).</summary>
    public double Neighbour(double value, Random random)
    {
        double u = ToUnit(value);
        double step = Gaussian(random) * 0.15;
        double next = FromUnit(u + step);
        if (next == value && Kind != DimensionKind.Real)
        {
            // Move one grid step so that small ranges still get explored.
            if (Kind == DimensionKind.Choice)
            {
                int i = IndexOfChoice(value) + (step >= 0 ? 1 : -1);
                return Choices![Math.Clamp(i, 0, Choices.Count - 1)];
            }
            return Snap(value + (step >= 0 ? 1 : -1));
        }
        return next;
    }

    private int IndexOfChoice(double value)
    {
        int best = 0;
        for (int i = 1; i < Choices!.Count; i++)
            if (Math.Abs(Choices[i] - value) < Math.Abs(Choices[best] - value)) best = i;
        return best;
    }

    internal static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>
/// Helpers for the common case of a family whose dimensions are its "model.&lt;name&gt;" properties one to one:
/// a point becomes the settings JSON that the family's own reader validates.
/// </summary>
public static class FamilySpaces
{
    private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
    {
        ContractResolver = new CamelCasePropertyNamesContractResolver(),
        NullValueHandling = NullValueHandling.Ignore,
        Culture = CultureInfo.InvariantCulture,
    });

    /// <summary>{"name": value} per dimension (integers and whole choices as JSON integers).</summary>
    public static JObject Direct(IReadOnlyList<Dimension> space, IReadOnlyList<double> point)
    {
        var json = new JObject();
        for (int i = 0; i < space.Count; i++) json[space[i].Name] = Value(space[i], point[i]);
        return json;
    }

    public static JToken Value(Dimension dimension, double value)
    {
        double v = dimension.Snap(value);
        return dimension.Kind == DimensionKind.Integer || (dimension.Kind == DimensionKind.Choice && v == Math.Floor(v) && Math.Abs(v) < 1e15)
            ? new JValue((long)v)
            : new JValue(v);
    }

    /// <summary>The point of the space nearest to settings (properties the space lacks are ignored; a missing one takes the middle of its range).</summary>
    public static double[] PointOf(IReadOnlyList<Dimension> space, JObject settings) =>
        space.Select(d => settings[d.Name] is JValue { Type: JTokenType.Integer or JTokenType.Float } v ? d.Snap((double)v) : d.FromUnit(0.5)).ToArray();

    /// <summary>A family's settings record as its "model.&lt;name&gt;" JSON (camelCase; unset optional values left out).</summary>
    public static JObject ToJson(object settings) => JObject.FromObject(settings, Serializer);

    /// <summary>Sorted keys, no formatting: the text that identifies settings (hashing, comparison).</summary>
    public static string Canonical(JToken token) => Sort(token).ToString(Formatting.None);

    private static JToken Sort(JToken token) => token switch
    {
        JObject obj => new JObject(obj.Properties().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new JProperty(p.Name, Sort(p.Value)))),
        JArray array => new JArray(array.Select(Sort)),
        _ => token.DeepClone(),
    };
}
