// plotly's finance partial bundle (scatter, bar, candlestick, ohlc, ...) ships without types;
// its API is the full bundle's, so it borrows @types/plotly.js. The bundle is UMD: its module
// value is the Plotly object itself.
declare module 'plotly.js/dist/plotly-finance.min.js' {
  import * as Plotly from 'plotly.js';
  export = Plotly;
}
