console.log("native: pending")
